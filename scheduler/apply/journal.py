"""The applier's journal: append-only JSON-lines records of its runs, durable after every record.

:class:`RunJournal` is what the applier sees; :class:`Journal` keeps the records in a local file,
fsync'd after each (the Kubernetes adapter keeps them in a ConfigMap). One journal holds any number
of runs, one after the other. A run starts with a ``run`` record (the plan
and the replica-group baseline), then for each move an ``intent`` record before the executor is
called and an ``outcome`` record after; ``replan`` replaces the moves still to do, and ``end`` closes
the run. A run without ``end`` is unfinished: the next apply resumes it. A crash can tear the last
line; it is ignored on reading and cut off before the next append. Any other unreadable line is an
error naming the file and the line.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from scheduler.model.move import Move

VERSION = 1
MAX_JOURNAL_BYTES = 1024 * 1024 * 1024
"""The largest journal read (a run of 100k moves writes about 60 MiB)."""
# Outcome statuses. "done": the workload runs on the target; "failed": the executor gave up (or the
# workload was found elsewhere); "skipped": not attempted (unsafe, over a limit); "unknown": the
# workload vanished from the live state after its intent, so it is neither retried nor counted done.
DONE, FAILED, SKIPPED, UNKNOWN = "done", "failed", "skipped", "unknown"
STATUSES = (DONE, FAILED, SKIPPED, UNKNOWN)


class JournalError(Exception):
    """A journal that cannot be used (unreadable line, another applier holds it, foreign run)."""


@dataclass(frozen=True)
class Outcome:
    """What became of one move."""

    move: Move
    status: str
    reason: str | None = None


@dataclass
class RunState:
    """One run as its records tell it: the moves still planned, open intents and outcomes so far."""

    run: str
    plan: dict[str, Any]
    baseline_groups: dict[str, int]
    moves: list[Move]
    intents: dict[str, tuple[Move, float]] = field(default_factory=dict)
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    replans: int = 0
    ended: bool = False

    @property
    def open_intents(self) -> list[tuple[Move, float]]:
        """Moves whose intent was written but whose outcome was not: the crash window."""
        return [item for name, item in self.intents.items() if name not in self.outcomes]

    @property
    def attempted(self) -> list[Move]:
        """Moves handed to the executor in this run (what counts against the limits)."""
        return [move for move, _ in self.intents.values()]

    def pending(self) -> list[Move]:
        """Planned moves with no outcome yet, in plan order."""
        return [m for m in self.moves if m.workload not in self.outcomes]


def _apply_record(runs: list[RunState], record: Mapping[str, Any]) -> None:
    if not isinstance(record, Mapping):
        raise ValueError("not a JSON object")
    event = record["event"]
    if event == "run":
        for key in ("moves", "before"):
            if key not in record["plan"]:
                raise ValueError(f"run record whose plan has no {key!r}")
        runs.append(
            RunState(
                run=str(record["run"]),
                plan=dict(record["plan"]),
                baseline_groups={str(k): int(v) for k, v in record["baseline_groups"].items()},
                moves=[Move.from_json(m) for m in record["plan"]["moves"]],
            )
        )
        return
    if not runs or runs[-1].run != record["run"]:
        raise ValueError(f"{event} record for run {record.get('run')!r} outside that run")
    state = runs[-1]
    if event == "intent":
        move = Move.from_json(record["move"])
        state.intents[move.workload] = (move, float(record["time"]))
    elif event == "outcome":
        move = Move.from_json(record["move"])
        if record["status"] not in STATUSES:
            raise ValueError(f"unknown status {record['status']!r}")
        intent = state.intents.get(move.workload)
        if record["status"] != SKIPPED:  # only a skipped move is settled without being attempted
            if intent is None:
                raise ValueError(f"{record['status']} outcome for {move.workload!r} without its intent")
            if intent[0].to_host != move.to_host:
                raise ValueError(
                    f"outcome for {move.workload!r} on {move.to_host!r}, its intent was {intent[0].to_host!r}"
                )
        state.outcomes[move.workload] = Outcome(move, record["status"], record.get("reason"))
    elif event == "replan":
        done = [m for m in state.moves if m.workload in state.outcomes]
        state.moves = done + [Move.from_json(m) for m in record["moves"]]
        state.replans += 1
    elif event == "end":
        state.ended = True
    else:
        raise ValueError(f"unknown event {event!r}")


def parse_runs(text: str, where: str) -> tuple[list[RunState], int]:
    """The runs the records in ``text`` tell, and the length of its intact prefix (a torn last line is
    left out). Any other unreadable line is a JournalError naming ``where`` and the line."""
    runs: list[RunState] = []
    good = 0
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        last = number == len(lines)
        if not line.strip():
            if not last:
                good += len(line) + 1
            continue
        try:
            record = json.loads(line)
            if last:
                # No newline after it: the write was cut short even if the JSON happens to parse.
                raise ValueError("record without its newline")
            _apply_record(runs, record)
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as error:
            if last:
                break
            raise JournalError(f"{where}: line {number}: unreadable journal record ({error})") from None
        good += len(line) + 1
    return runs, good


class RunJournal:
    """Runs as their records tell them, kept in memory and appended to record by record.

    Where the records live is a subclass's business (:class:`Journal`: a local file; the Kubernetes
    adapter: a ConfigMap), so the applier never knows. A subclass implements :meth:`open` (take the
    journal for this applier alone and read it into :attr:`runs`), :meth:`close`, :meth:`read_runs`
    (read without taking it) and :meth:`_write` (make one record line durable, or raise
    :class:`JournalError`). ``where`` names it in messages and reports.
    """

    where: str = "journal"

    def __init__(self) -> None:
        self.runs: list[RunState] = []

    def open(self) -> RunJournal:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def read_runs(self) -> list[RunState]:
        """The runs recorded so far, without taking the journal or repairing it."""
        raise NotImplementedError

    def _write(self, line: str) -> None:
        raise NotImplementedError

    def __enter__(self) -> RunJournal:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _parse(self, text: str) -> int:
        """Parse ``text`` into :attr:`runs`; the length of its intact prefix (see :func:`parse_runs`)."""
        self.runs, good = parse_runs(text, self.where)
        return good

    @property
    def current(self) -> RunState | None:
        """The unfinished run to resume, if the last run has no ``end``."""
        if self.runs and not self.runs[-1].ended:
            return self.runs[-1]
        return None

    # --- appending -------------------------------------------------------------------------

    def _append(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n"
        self._write(line)
        self._remember(record)

    def _remember(self, record: dict[str, Any]) -> None:
        """Take ``record`` into the runs held in memory."""
        _apply_record(self.runs, record)

    def start(self, run: str, plan: Mapping[str, Any], baseline_groups: Mapping[str, int]) -> RunState:
        self._append(
            {
                "v": VERSION,
                "event": "run",
                "run": run,
                "time": time.time(),
                "plan": dict(plan),
                "baseline_groups": dict(baseline_groups),
            }
        )
        return self.runs[-1]

    def intent(self, run: str, move: Move) -> None:
        self._append({"event": "intent", "run": run, "time": time.time(), "move": move.to_json()})

    def outcome(self, run: str, move: Move, status: str, reason: str | None = None) -> None:
        self._append(
            {
                "event": "outcome",
                "run": run,
                "time": time.time(),
                "move": move.to_json(),
                "status": status,
                "reason": reason,
            }
        )

    def replan(self, run: str, moves: list[Move], reason: str) -> None:
        self._append(
            {
                "event": "replan",
                "run": run,
                "time": time.time(),
                "moves": [m.to_json() for m in moves],
                "reason": reason,
            }
        )

    def end(self, run: str) -> None:
        self._append({"event": "end", "run": run, "time": time.time()})


class Journal(RunJournal):
    """The journal in a local file: read once on open, appended to (and fsync'd) record by record.

    Holds an exclusive lock on the file while open, so two appliers never share one journal.
    """

    def __init__(self, path: str | Path) -> None:
        super().__init__()
        self.path = Path(path)
        self.where = str(self.path)
        self._file: TextIO | None = None

    @classmethod
    def read(cls, path: str | Path) -> list[RunState]:
        """The runs recorded in ``path`` (empty when it does not exist), without locking or repairing."""
        journal = cls(path)
        parent = journal.path.parent
        if parent.exists() and not parent.is_dir():
            raise JournalError(f"{journal.path}: cannot read the journal: {parent} is not a folder")
        if not journal.path.exists() and not journal.path.is_symlink():
            return []
        try:
            with journal.path.open("rb") as handle:
                journal._parse(journal._text(handle))
        except OSError as error:
            raise JournalError(
                f"{journal.path}: cannot read the journal: {error.strerror or error}"
            ) from None
        return journal.runs

    def _text(self, handle: BinaryIO) -> str:
        """The whole journal as text: at most MAX_JOURNAL_BYTES, UTF-8 (the bad line named)."""
        data = handle.read(MAX_JOURNAL_BYTES + 1)
        if len(data) > MAX_JOURNAL_BYTES:
            raise JournalError(
                f"{self.path}: the journal is larger than {MAX_JOURNAL_BYTES // 2**20} MiB; "
                "start a new one (--journal)"
            )
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            raise JournalError(f"{self.path}: line {line}: not UTF-8 ({error.reason})") from None

    def open(self) -> Journal:
        """Lock the file (creating it and its directory), read it and cut off a torn last line."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle = self.path.open("a+", encoding="utf-8")
        except OSError as error:
            raise JournalError(f"{self.path}: cannot open the journal: {error.strerror or error}") from None
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise JournalError(f"{self.path}: another applier is using this journal") from None
        try:
            with self.path.open("rb") as raw:
                text = self._text(raw)
            good = self._parse(text)
        except OSError as error:
            handle.close()
            raise JournalError(f"{self.path}: cannot read the journal: {error.strerror or error}") from None
        except JournalError:
            handle.close()
            raise
        if good < len(text):
            handle.truncate(len(text[:good].encode("utf-8")))
            os.fsync(handle.fileno())
        self._file = handle
        return self

    def close(self) -> None:
        if self._file is not None:
            self._file.close()  # closing releases the lock
            self._file = None

    def __enter__(self) -> Journal:
        return self.open() if self._file is None else self

    def read_runs(self) -> list[RunState]:
        return Journal.read(self.path)

    def _write(self, line: str) -> None:
        """Write one whole line and make it durable before returning."""
        if self._file is None:
            raise JournalError(f"{self.path}: journal is not open")
        self._file.write(line)
        self._file.flush()
        os.fsync(self._file.fileno())
