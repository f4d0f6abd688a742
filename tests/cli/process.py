"""The CLI as a user runs it: ``python -m govcloud`` in a separate process, from the repository root."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def govcloud(
    *args: str, env: Mapping[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``govcloud ARGS`` and capture its text output; never raises on a non-zero exit.

    The terminal size of the caller (``COLUMNS``, ``LINES``) is dropped so tables have the CLI's pipe
    width; ``env`` adds or overrides variables on top of that.
    """
    return subprocess.run(
        [sys.executable, "-m", "govcloud", *args],
        cwd=ROOT,
        env=_environment(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@contextmanager
def started(*args: str) -> Iterator[subprocess.Popen[str]]:
    """``govcloud ARGS`` running in the background (e.g. ``serve``), stdout and stderr piped.

    Killed and reaped on leaving the block if the test has not stopped it.
    """
    proc = subprocess.Popen(
        [sys.executable, "-m", "govcloud", *args],
        cwd=ROOT,
        env=_environment(None),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def _environment(extra: Mapping[str, str] | None) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    return {**inherited, **(extra or {})}
