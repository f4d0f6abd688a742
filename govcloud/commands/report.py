"""``govcloud report --inventory FILE --prometheus URL --html OUT``: the capacity forecast as one HTML page."""

from __future__ import annotations

import argparse
from pathlib import Path

from govcloud.applying import SOURCE_ERRORS, source_error
from govcloud.commands.forecast import add_forecast_arguments, forecast_from_args
from govcloud.console import bad_input
from govcloud.durations import parse_duration
from govcloud.usage_options import PrometheusError
from monitoring.capacity_report import render_report


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report",
        help="a self-contained HTML capacity report (inline SVG charts) from measured usage",
        description=(
            "Write one HTML file, no scripts or external assets: per-zone utilization over time with "
            "the forecast and its band, headroom if one zone fails, tenants by quota use, and "
            "right-sizing suggestions (the figures of `govcloud forecast`). Exit 0, or 2 for bad input."
        ),
    )
    add_forecast_arguments(parser)
    parser.add_argument("--html", metavar="OUT", required=True, help="the HTML file to write")
    parser.add_argument("--horizon", type=parse_duration, default=30 * 86400.0, help="forecast shown (30d)")
    parser.add_argument("--title", default="Capacity report", help="the page title")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        result = forecast_from_args(args)
    except SOURCE_ERRORS as error:
        return source_error(error)
    except (PrometheusError, ValueError, OSError) as error:
        return bad_input([str(error)])
    page = render_report(result, title=args.title, horizon_days=args.horizon / 86400.0)
    try:
        Path(args.html).write_text(page, encoding="utf-8")
    except OSError as error:
        return bad_input([f"{args.html}: cannot write the report: {error}"])
    return 0
