"""The classification levels the pack knows by default, and how many remote replicas each demands."""

from __future__ import annotations

from stacks.classification import Classifications, Level

KNOWN_LEVELS: tuple[str, ...] = tuple(level.value for level in Level)
"""general, important, core: the grades of the government data classification scheme."""

DEFAULT_REPLICAS: dict[str, int] = {level.value: Classifications().of(level).replicas for level in Level}
"""Remote replicas per level when the pack's config says nothing (general 0, important 1, core 2)."""

DEFAULT_ENCRYPTED_LEVELS: tuple[str, ...] = tuple(
    level.value for level in Level if Classifications().of(level).encryption
)
"""Levels whose volumes must be encrypted (core)."""
