"""The applier's journal kept in the cluster, in one ConfigMap, so that a new leader resumes the run
an old leader left unfinished (a journal on a pod's disk dies with the pod).

The records are the file journal's JSON lines (:mod:`scheduler.apply.journal`), under the key
``journal.jsonl``. Every append replaces the ConfigMap with the resourceVersion last read or written
(optimistic concurrency): if anything else wrote it in between (a second applier, an old leader that
lost its Lease and has not noticed yet), the write fails with a 409 and this applier stops with a
:class:`JournalError` instead of working from a stale journal. A write is all or nothing, so no line
is ever torn. When a run starts, the ended runs before it are dropped, so the ConfigMap holds one
run (a ConfigMap holds at most 1 MiB: about 1,500 moves a run).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubernetes import client
from urllib3.exceptions import HTTPError

from scheduler.apply.journal import JournalError, RunJournal, RunState, parse_runs

KEY = "journal.jsonl"
MAX_BYTES = 1000 * 1024
"""What one ConfigMap may hold, with room for its metadata (the API server's limit is 1 MiB)."""


class ConfigMapJournal(RunJournal):
    """The journal in ConfigMap ``namespace/name`` (created on first open)."""

    def __init__(self, api: client.ApiClient, namespace: str, name: str) -> None:
        super().__init__()
        self.core = client.CoreV1Api(api)
        self.namespace = namespace
        self.name = name
        self.where = f"configmap {namespace}/{name}"
        self._version: str | None = None
        self._text = ""
        self._fresh = False

    def __repr__(self) -> str:
        return f"ConfigMapJournal({self.namespace}/{self.name})"

    def _read(self) -> client.V1ConfigMap | None:
        try:
            return self.core.read_namespaced_config_map(self.name, self.namespace)
        except client.ApiException as error:
            if error.status == 404:
                return None
            raise JournalError(f"{self.where}: cannot read the journal: {_reason(error)}") from None
        except (HTTPError, OSError) as error:
            raise JournalError(f"{self.where}: Kubernetes API unreachable: {error}") from None

    def read_runs(self) -> list[RunState]:
        found = self._read()
        return parse_runs((found.data or {}).get(KEY, "") if found is not None else "", self.where)[0]

    def open(self) -> ConfigMapJournal:
        """Read the journal (creating an empty ConfigMap when there is none); remember its version."""
        found = self._read()
        if found is None:
            body = client.V1ConfigMap(
                metadata=client.V1ObjectMeta(
                    name=self.name,
                    namespace=self.namespace,
                    labels={"app.kubernetes.io/name": "govcloud", "app.kubernetes.io/component": "journal"},
                ),
                data={KEY: ""},
            )
            try:
                found = self._call(
                    "create the journal", self.core.create_namespaced_config_map, self.namespace, body
                )
            except JournalError:
                found = self._read()  # created meanwhile by another replica: use that one
                if found is None:
                    raise
        self._text = (found.data or {}).get(KEY, "")
        self._parse(self._text)
        self._version = found.metadata.resource_version
        return self

    def close(self) -> None:
        self._version = None

    def start(self, run: str, plan: Mapping[str, Any], baseline_groups: Mapping[str, int]) -> RunState:
        self._fresh = self.current is None  # only ended runs before it: they are dropped
        try:
            return super().start(run, plan, baseline_groups)
        finally:
            self._fresh = False

    def _write(self, line: str) -> None:
        if self._version is None:
            raise JournalError(f"{self.where}: journal is not open")
        text = line if self._fresh else self._text + line
        if len(text.encode("utf-8")) > MAX_BYTES:
            raise JournalError(
                f"{self.where}: the run no longer fits in one ConfigMap ({MAX_BYTES // 1024} KiB); "
                "lower --max-moves"
            )
        body = {"metadata": {"resourceVersion": self._version}, "data": {KEY: text}}
        written = self._call(
            "write the journal", self.core.patch_namespaced_config_map, self.name, self.namespace, body
        )
        self._version = written.metadata.resource_version
        self._text = text

    def _call(self, what: str, method: Any, *args: Any) -> Any:
        try:
            return method(*args)
        except client.ApiException as error:
            if error.status == 409:
                raise JournalError(
                    f"{self.where}: written by another applier since this one read it (an old or new "
                    "leader?); stopping so as not to work from a stale journal"
                ) from None
            raise JournalError(f"{self.where}: cannot {what}: {_reason(error)}") from None
        except (HTTPError, OSError) as error:
            raise JournalError(f"{self.where}: Kubernetes API unreachable: {error}") from None


def _reason(error: client.ApiException) -> str:
    return f"HTTP {error.status} {error.reason}"
