"""Fuzz the stack, inventory and journal readers (``make fuzz``; on demand, not part of ``make test``).

Hypothesis generates files three ways: mutations of the shipped seeds (a slice replaced, cut or
repeated), YAML/JSON documents built from random nested data, and raw bytes. Each stack and inventory
goes through the CLI in-process (``govcloud validate`` / ``govcloud rebalance --inventory``), each
journal through ``Journal.read``. A finding is any escaping exception (the traceback a user would
see), an exit code other than 0, 1 or 2, a journal error other than ``JournalError``, or the process
growing past ``--max-rss-mib`` (the address space is also capped, so a runaway allocation fails
here rather than on the machine).

Usage: ``python tests/fuzz/fuzz_readers.py [--minutes 10] [--max-rss-mib 1536]``; exit 0 when
nothing was found, 1 with the (shrunk) failing input written to ``.fuzz/KIND.bin`` and its traceback
printed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import resource
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from govcloud.cli import main as govcloud  # noqa: E402
from scheduler.apply.journal import Journal, JournalError  # noqa: E402

MOVE = {"workload": "w1", "tenant": "t", "from_host": "a1", "to_host": "b1", "from_zone": "a", "to_zone": "b"}
SEEDS = {
    "stack": (ROOT / "stacks" / "dev.yaml").read_bytes(),
    "inventory": (ROOT / "scheduler" / "examples" / "dev-inventory.yaml").read_bytes(),
    "journal": b"".join(
        json.dumps(record).encode() + b"\n"
        for record in (
            {
                "v": 1,
                "event": "run",
                "run": "r1",
                "time": 1.0,
                "baseline_groups": {"g": 2},
                "plan": {
                    "version": 1,
                    "moves": [MOVE],
                    "before": {"imbalance": 0.5, "zones": {}},
                    "after": {"imbalance": 0.0, "zones": {}},
                },
            },
            {"event": "intent", "run": "r1", "time": 2.0, "move": MOVE},
            {"event": "outcome", "run": "r1", "time": 3.0, "move": MOVE, "status": "done", "reason": None},
            {"event": "replan", "run": "r1", "time": 4.0, "moves": []},
            {"event": "end", "run": "r1", "time": 5.0},
        )
    ),
}
FINDINGS = ROOT / ".fuzz"


class Finding(Exception):
    """An input a reader mishandled; the message says how."""


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["slot", "name", "zones", "hosts", "cpu", "tenants", "regions", "1e999", "-1", "~"]),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=6),
        st.dictionaries(
            st.one_of(st.text(max_size=12), st.sampled_from(["name", "slot", "zones"])), inner, max_size=6
        ),
    ),
    max_leaves=40,
)


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    data = seed
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(data)))
        end = draw(st.integers(start, min(len(data), start + 200)))
        how = draw(st.sampled_from(["replace", "delete", "repeat", "insert-yaml"]))
        if how == "replace":
            data = data[:start] + draw(st.binary(max_size=40)) + data[end:]
        elif how == "delete":
            data = data[:start] + data[end:]
        elif how == "repeat":
            data = data[:start] + data[start:end] * draw(st.integers(2, 50)) + data[end:]
        else:
            token = draw(
                st.sampled_from([b"&a ", b"*a", b"!!str ", b"!Ref ", b"[", b"{", b": ", b"- ", b"\t"])
            )
            data = data[:start] + token + data[start:]
    return data


def files(kind: str) -> st.SearchStrategy[bytes]:
    built = documents.map(
        lambda doc: (
            "\n".join(json.dumps(line) for line in (doc if isinstance(doc, list) else [doc])).encode()
            if kind == "journal"
            else json.dumps(doc).encode()
        )
    )
    return st.one_of(mutated(SEEDS[kind]), built, st.binary(max_size=2000))


def _cli(argv: list[str], data: bytes, path: Path) -> None:
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = govcloud(argv)
    except SystemExit as exit_:  # argparse; never expected with these fixed arguments
        code = exit_.code if isinstance(exit_.code, int) else 2
    except MemoryError:
        raise Finding(f"{argv[0]}: MemoryError") from None
    except Exception as error:
        raise Finding(f"{argv[0]}: traceback:\n{''.join(traceback.format_exception(error))}") from None
    if code not in (0, 1, 2):
        raise Finding(f"{argv[0]}: exit {code}\n{err.getvalue()[-2000:]}")
    if "Traceback" in err.getvalue():
        raise Finding(f"{argv[0]}: printed a traceback\n{err.getvalue()[-2000:]}")


def _journal(data: bytes, path: Path) -> None:
    path.write_bytes(data)
    try:
        Journal.read(path)
    except JournalError:
        pass
    except Exception as error:
        raise Finding(f"journal: traceback:\n{''.join(traceback.format_exception(error))}") from None


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _checked(
    kind: str, target: Callable[[bytes], None], counts: dict[str, int], max_rss_mib: float
) -> Callable[[bytes], None]:
    def one(data: bytes) -> None:
        counts[kind] += 1
        try:
            target(data)
            if _rss_mib() > max_rss_mib:
                raise Finding(f"{kind}: max RSS {_rss_mib():.0f} MiB over {max_rss_mib:.0f} MiB")
        except Finding:
            # Hypothesis replays the shrunk example last: the file ends up holding the smallest one.
            (FINDINGS / f"{kind}.bin").write_bytes(data)
            raise

    return one


def run(minutes: float, max_rss_mib: float, batch: int) -> int:
    limit = int(max_rss_mib * 2**20 * 2)  # address space: twice the RSS budget (numpy maps a lot)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    FINDINGS.mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="govcloud-fuzz-"))
    targets = {
        "stack": lambda data: _cli(["validate", "-q", str(work / "s.yaml")], data, work / "s.yaml"),
        "inventory": lambda data: _cli(
            ["rebalance", "--inventory", str(work / "i.yaml"), "--json"], data, work / "i.yaml"
        ),
        "journal": lambda data: _journal(data, work / "j.jsonl"),
    }
    counts = dict.fromkeys(targets, 0)
    deadline = time.monotonic() + minutes * 60
    tuned = settings(
        max_examples=batch,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        derandomize=False,
    )
    while time.monotonic() < deadline:
        for kind, target in targets.items():
            try:
                tuned(given(files(kind))(_checked(kind, target, counts, max_rss_mib)))()
            except Finding as finding:
                print(f"FINDING ({kind}, input in {FINDINGS / kind}.bin): {finding}", file=sys.stderr)
                return 1
            if time.monotonic() >= deadline:
                break
    summary = ", ".join(f"{kind} {n:,}" for kind, n in counts.items())
    print(f"fuzzed for {minutes:g} min: {summary} inputs; max RSS {_rss_mib():.0f} MiB; no finding")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="fuzz_readers.py", description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--max-rss-mib", type=float, default=1536.0)
    parser.add_argument("--batch", type=int, default=100, help="examples per target before switching")
    args = parser.parse_args()
    return run(args.minutes, args.max_rss_mib, args.batch)


if __name__ == "__main__":
    sys.exit(main())
