"""A corrupt or unusable journal is a JournalError naming the file (and line), never a raw exception.

Issue #15, item 6: outcomes without their intent (or for another target), invalid UTF-8, deep nesting,
a ``run`` record without ``before``, a journal path that is a directory or unreadable, oversized.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import scheduler.apply.journal as journal_module
from scheduler.apply.journal import Journal, JournalError

MOVE = {
    "workload": "w1",
    "tenant": None,
    "from_host": "a1",
    "to_host": "b1",
    "from_zone": "a",
    "to_zone": "b",
}
OTHER = {**MOVE, "to_host": "b2"}
PLAN = {
    "version": 1,
    "moves": [MOVE],
    "before": {"imbalance": 0.5, "zones": {}},
    "after": {"imbalance": 0.0, "zones": {}},
}
RUN = {"v": 1, "event": "run", "run": "r1", "time": 1.0, "plan": PLAN, "baseline_groups": {}}
INTENT = {"event": "intent", "run": "r1", "time": 2.0, "move": MOVE}


def outcome(move: dict[str, object], status: str = "done", run: str = "r1") -> dict[str, object]:
    return {"event": "outcome", "run": run, "time": 3.0, "move": move, "status": status, "reason": None}


def lines(*records: object) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" if not isinstance(r, bytes) else r for r in records)


CASES = [
    # (id, journal bytes, what the error says)
    ("outcome-without-intent", lines(RUN, outcome(MOVE)), "line 2: unreadable journal record (done outcome for 'w1' without its intent)"),
    ("outcome-other-target", lines(RUN, INTENT, outcome(OTHER)), "line 3: unreadable journal record (outcome for 'w1' on 'b2'"),
    ("failed-without-intent", lines(RUN, outcome(MOVE, "failed")), "line 2:"),
    ("outcome-of-another-run", lines(RUN, INTENT, outcome(MOVE, run="r0")), "line 3:"),
    ("invalid-utf8", lines(RUN, b'{"event": "\xff"}\n'), "line 2: not UTF-8"),
    ("deep-line", lines(RUN, b"[" * 100_000 + b"\n", INTENT), "line 2: unreadable journal record"),
    ("run-without-before", lines({**RUN, "plan": {"moves": [MOVE]}}, INTENT), "line 1: unreadable journal record (run record whose plan has no 'before')"),
    ("not-an-object", lines(RUN, [1, 2], INTENT), "line 2: unreadable journal record"),
]  # fmt: skip


@pytest.mark.parametrize(("data", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
@pytest.mark.parametrize("how", ["read", "open"])
def test_corrupt_journal_is_refused(tmp_path: Path, data: bytes, expected: str, how: str) -> None:
    path = tmp_path / "journal.jsonl"
    path.write_bytes(data)
    with pytest.raises(JournalError) as caught:
        Journal.read(path) if how == "read" else Journal(path).open().close()
    assert str(path) in str(caught.value)
    assert expected in str(caught.value)


def test_skipped_outcome_needs_no_intent(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    path.write_bytes(lines(RUN, outcome(MOVE, "skipped")))
    (run,) = Journal.read(path)
    assert run.outcomes["w1"].status == "skipped"


def _under_a_file(tmp_path: Path) -> Path:
    (tmp_path / "file").write_text("")
    return tmp_path / "file" / "journal.jsonl"


PATHS = [
    ("directory", lambda tmp: tmp, "cannot"),
    ("under-a-file", _under_a_file, "cannot"),
]


@pytest.mark.parametrize(("make", "expected"), [c[1:] for c in PATHS], ids=[c[0] for c in PATHS])
@pytest.mark.parametrize("how", ["read", "open"])
def test_unusable_journal_path(tmp_path: Path, make, expected: str, how: str) -> None:
    path = make(tmp_path)
    with pytest.raises(JournalError, match=expected):
        Journal.read(path) if how == "read" else Journal(path).open().close()


def test_oversized_journal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(journal_module, "MAX_JOURNAL_BYTES", 100)
    path = tmp_path / "journal.jsonl"
    path.write_bytes(lines(RUN))
    with pytest.raises(JournalError, match="larger than"):
        Journal.read(path)
