"""The CLI's output: rich consoles wide enough for tables in a pipe or a CI log, JSON documents, errors."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.markup import escape

from govcloud.exit_codes import ExitCode

PIPE_WIDTH = 132


def make_console(*, stderr: bool = False) -> Console:
    """A console on stdout (or stderr) that keeps its terminal width, and uses 132 columns in a pipe."""
    console = Console(stderr=stderr)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(stderr=stderr, width=PIPE_WIDTH)
    return console


def bad_input(problems: Iterable[str]) -> int:
    """Print each problem as an ``error:`` line on stderr (no traceback); the bad-input exit code."""
    err = make_console(stderr=True)
    for problem in problems:
        err.print(f"[bold red]error[/]: {escape(problem)}", highlight=False, soft_wrap=True)
    return ExitCode.BAD_INPUT


def print_json(document: Any) -> None:
    """Print a JSON document on stdout: indented, non-ASCII text kept as is, one final newline."""
    sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
