"""bench.capped: a peer run that hangs or grows is stopped and reported, and the benchmark goes on."""

from __future__ import annotations

import sys

from bench.capped import run_capped
from bench.peer import Caps, watcher


def test_a_child_that_finishes_gives_its_output() -> None:
    done = run_capped([sys.executable, "-c", "print(input()[::-1])"], "abc\n", timeout=60, memory_gib=4)
    assert (done.failure, done.returncode, done.stdout.strip()) == (None, 0, "cba")


def test_a_child_past_its_timeout_is_killed_and_reported() -> None:
    script = "import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); time.sleep(60)"
    done = run_capped([sys.executable, "-c", script], "", timeout=0.5, memory_gib=None)
    assert done.failure == "timeout after 0.5 s"
    assert done.returncode is None


def test_a_child_over_its_memory_cap_is_reported() -> None:
    script = "blocks = [bytearray(64 * 1024 * 1024) for _ in range(64)]; print('allocated 4 GiB')"
    done = run_capped([sys.executable, "-c", script], "", timeout=60, memory_gib=1)
    assert done.failure == "memory cap 1 GiB"
    assert "allocated" not in done.stdout


def test_a_child_that_fails_otherwise_gives_its_exit_code() -> None:
    done = run_capped([sys.executable, "-c", "raise SystemExit(3)"], "", timeout=60, memory_gib=1)
    assert done.failure == "exit code 3"


def test_peer_reports_a_stuck_watcher_as_no_result(tmp_path) -> None:
    """bench.peer's Watcher call through a stand-in 'python' that never answers: no moves, the reason."""
    stuck = tmp_path / "python"
    stuck.write_text(f"#!{sys.executable}\nimport time\ntime.sleep(60)\n")
    stuck.chmod(0o755)
    from scheduler.model.synthetic import random_inventory

    run = watcher(str(stuck), random_inventory(0), "workload_stabilization", Caps(timeout=0.5))
    assert (run.moves, run.failure) == ([], "timeout after 0.5 s")
