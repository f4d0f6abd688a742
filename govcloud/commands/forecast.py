"""``govcloud forecast --inventory FILE --prometheus URL``: when zones and tenants run full, and who to right-size."""

from __future__ import annotations

import argparse

from govcloud.applying import SOURCE_ERRORS, source_error
from govcloud.console import bad_input, make_console, print_json
from govcloud.sources import add_source_arguments, source_from_args
from govcloud.usage_options import PrometheusError, add_usage_arguments, usage_history
from govcloud.views.forecast import render_forecast
from monitoring.capacity import CapacityForecast, forecast


def _fraction(text: str) -> float:
    value = float(text)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a fraction in (0, 1]")
    return value


def add_forecast_arguments(parser: argparse.ArgumentParser) -> None:
    """The source, the usage history and the forecast's own settings (shared with ``govcloud report``)."""
    add_source_arguments(parser)
    add_usage_arguments(parser, required=True)
    parser.add_argument("--level", type=_fraction, default=0.95, help="prediction band level (0.95)")
    parser.add_argument(
        "--right-size-below",
        type=_fraction,
        default=0.5,
        help="suggest a smaller quota when usage stayed below this fraction of it all window (0.5)",
    )
    parser.add_argument(
        "--right-size-target",
        type=_fraction,
        default=0.8,
        help="the suggested quota puts peak usage at this fraction of it (0.8), never below requests",
    )


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
    inv = source_from_args(args).load()
    return forecast(
        inv,
        usage_history(args),
        percentile=args.percentile,
        min_run=args.min_run,
        level=args.level,
        right_size_below=args.right_size_below,
        right_size_target=args.right_size_target,
    )


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
