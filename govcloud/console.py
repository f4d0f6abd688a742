"""Rich consoles for the CLI: wide enough for the tables when output goes to a pipe or a CI log."""

from __future__ import annotations

import os

from rich.console import Console

PIPE_WIDTH = 132


def make_console(*, stderr: bool = False) -> Console:
    """A console on stdout (or stderr) that keeps its terminal width, and uses 132 columns in a pipe."""
    console = Console(stderr=stderr)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(stderr=stderr, width=PIPE_WIDTH)
    return console
