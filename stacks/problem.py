"""Problems found in a stack file: where (file, line, field path) and why."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

FieldPath = tuple[str | int, ...]


class Severity(StrEnum):
    """An error makes a stack file unusable; a warning is reported and the file is still used."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One finding about a stack file, located by its field path (and line, once known)."""

    path: FieldPath
    reason: str
    severity: Severity = Severity.ERROR
    file: str = ""
    line: int | None = None

    @property
    def dotted_path(self) -> str:
        """The field path as written by a person: ``tenants[3].quotas.compute.cores``."""
        return format_path(self.path)

    def __str__(self) -> str:
        where = self.file or "<stack>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        field = self.dotted_path or "(top level)"
        return f"{where}: {field}: {self.reason}"


def format_path(path: FieldPath) -> str:
    """A field path as the user would write it, e.g. ``tenants[2].quotas.compute``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


class SpecError(Exception):
    """A stack file that cannot be used. Carries every error found, each with its location."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
