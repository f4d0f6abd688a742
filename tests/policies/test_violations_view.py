"""The human view of policy violations."""

from __future__ import annotations

from rich.console import Console

from govcloud.views.violations import render_violations
from policies.inputs import Violation


def rendered(violations: list[Violation]) -> str:
    console = Console(record=True, width=200)
    render_violations(console, violations)
    return console.export_text()


def test_mandatory_violations_come_first_and_block() -> None:
    text = rendered(
        [
            Violation("quota-within-capacity", "advisory", "(stack)", "region 'shenyang' is over"),
            Violation("ipv6-required", "mandatory", "his-net", "has no IPv6 subnet"),
        ]
    )
    assert text.index("ipv6-required") < text.index("quota-within-capacity")
    assert "his-net" in text and "has no IPv6 subnet" in text
    assert "1 mandatory and 1 advisory violation(s): blocked" in text


def test_advisory_only_is_allowed_and_none_says_so() -> None:
    advisory = rendered([Violation("quota-within-capacity", "advisory", "(stack)", "over")])
    assert "0 mandatory and 1 advisory violation(s): allowed with warnings" in advisory
    assert "no violations" in rendered([])
