"""Exit codes every govcloud command uses."""

from enum import IntEnum


class ExitCode(IntEnum):
    """Every command's exit status: 0 ok, 1 findings (violations, failed moves), 2 bad input."""

    OK = 0
    FINDINGS = 1
    BAD_INPUT = 2
