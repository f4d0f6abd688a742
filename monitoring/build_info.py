"""``govcloud_build_info``: which version of govcloud and Python the exporter runs."""

from __future__ import annotations

import platform
from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric


class BuildInfoCollector:
    """Exports one constant series labelled with the versions."""

    def __init__(self, version: str) -> None:
        self._labels = (version, platform.python_version())

    def collect(self) -> Iterator[Metric]:
        info = GaugeMetricFamily(
            "govcloud_build_info",
            "govcloud build information (always 1).",
            labels=("version", "python_version"),
        )
        info.add_metric(self._labels, 1)
        yield info
