"""``govcloud forecast --inventory FILE --prometheus URL``: when zones and tenants run full, and who to right-size."""

from __future__ import annotations

import argparse

from govcloud.applying import SOURCE_ERRORS, source_error
from govcloud.console import bad_input, make_console, print_json
from govcloud.sources import add_source_arguments, source_from_args
from govcloud.usage_options import PrometheusError, add_forecast_settings, add_usage_arguments, forecast_of
from govcloud.views.forecast import render_forecast
from monitoring.capacity import CapacityForecast


def add_forecast_arguments(parser: argparse.ArgumentParser) -> None:
    """The source, the usage history and the forecast's own settings (shared with ``govcloud report``)."""
    add_source_arguments(parser)
    add_usage_arguments(parser, required=True)
    add_forecast_settings(parser)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "forecast",
        help="trend of measured usage: days until zones and quotas are full; right-sizing",
        description=(
            "Read usage history from Prometheus, fit a linear trend with a prediction band per zone "
            "(against physical capacity) and per tenant (against its quota), say in how many days each "
            "reaches its limit, and which tenants never used more than a fraction of their quota. "
            "Exit 0, or 2 for bad input or an unreachable Prometheus."
        ),
    )
    add_forecast_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print the forecast document (docs/contracts.md)")
    parser.set_defaults(func=run)


def forecast_from_args(args: argparse.Namespace) -> CapacityForecast:
    """The forecast the options name (raises the source's errors, PrometheusError or ValueError)."""
    return forecast_of(args, source_from_args(args).load())


def run(args: argparse.Namespace) -> int:
    try:
        result = forecast_from_args(args)
    except SOURCE_ERRORS as error:
        return source_error(error)
    except (PrometheusError, ValueError, OSError) as error:
        return bad_input([str(error)])
    if args.json:
        print_json(result.to_json())
    else:
        render_forecast(make_console(), result)
    return 0
