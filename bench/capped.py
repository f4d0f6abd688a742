"""Run a child process under a hard wall-clock timeout and an address-space cap.

A peer tool run by the benchmarks (Watcher) can hang in one audit or grow without bound; this keeps
one such run from stopping the whole benchmark: the child gets ``RLIMIT_AS`` set before it starts,
its whole process group is killed at the timeout, and the reason comes back as text for the table.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import time
from dataclasses import dataclass

GIB = 1024**3


@dataclass(frozen=True)
class Capped:
    """What a capped child did: its output, or why there is none, and the CPU seconds it used."""

    stdout: str
    stderr: str
    returncode: int | None
    seconds: float
    cpu: float
    failure: str | None = None  # "timeout after N s", "memory cap N GiB", "exit code N"


def _limit_memory(memory_bytes: int | None) -> None:
    os.setsid()  # its own process group, so a timeout ends its children too
    if memory_bytes is not None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_capped(argv: list[str], stdin: str, *, timeout: float, memory_gib: float | None) -> Capped:
    """Run ``argv`` with ``stdin``; kill it after ``timeout`` wall seconds; cap it at ``memory_gib``."""
    memory_bytes = int(memory_gib * GIB) if memory_gib is not None else None
    cpu0, t0 = _children_cpu(), time.perf_counter()
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: _limit_memory(memory_bytes),
    )
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        return Capped(
            out, err, None, time.perf_counter() - t0, _children_cpu() - cpu0, f"timeout after {timeout:g} s"
        )
    seconds, cpu = time.perf_counter() - t0, _children_cpu() - cpu0
    failure = None
    if proc.returncode != 0:
        out_of_memory = "MemoryError" in err or "Cannot allocate memory" in err or "std::bad_alloc" in err
        if memory_gib is not None and (out_of_memory or proc.returncode == -signal.SIGKILL):
            failure = f"memory cap {memory_gib:g} GiB"
        else:
            failure = f"exit code {proc.returncode}"
    return Capped(out, err, proc.returncode, seconds, cpu, failure)
