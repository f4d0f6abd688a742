"""Planning strategies, chosen by name: each turns a :class:`Problem` into a checked :class:`Plan`.

A strategy is one function; every one ends in :func:`scheduler.planning.outcome.finish`, the safety
gate no plan bypasses. New strategies register here and are offered by ``govcloud rebalance
--strategy NAME`` without touching anything else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from scheduler.model.plan import Plan
from scheduler.planning import exact, heuristic
from scheduler.planning.problem import Problem

Strategy = Callable[[Problem], Plan]
"""A planner proper: the problem in, a plan that went through ``finish`` out."""

STRATEGIES: Mapping[str, Strategy] = MappingProxyType(
    {
        heuristic.NAME: heuristic.plan_heuristic,
        exact.NAME: exact.plan_exact,
    }
)
"""Every strategy by name; ``heuristic`` is the default."""

DEFAULT = heuristic.NAME


def strategy_named(name: str) -> Strategy:
    """The strategy called ``name`` (ValueError naming the known ones otherwise)."""
    try:
        return STRATEGIES[name]
    except KeyError:
        known = ", ".join(sorted(STRATEGIES))
        raise ValueError(f"unknown planning strategy {name!r} (known: {known})") from None
