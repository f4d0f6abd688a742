"""Data classification and grading: general, important and core data, and how each is protected."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from stacks.base import Count, PositiveCount, SpecModel
from stacks.names import ShortName
from stacks.region import SiteRole


class Level(StrEnum):
    """The three grades of government data, from least to most sensitive."""

    GENERAL = "general"
    IMPORTANT = "important"
    CORE = "core"


class Protection(SpecModel):
    """What a classification level demands of the data it covers."""

    replicas: Annotated[Count, Field(le=8)] = Field(
        description="Remote backup replicas kept outside the home region."
    )
    site: SiteRole = Field(default=SiteRole.BACKUP, description="Kind of site the replicas must live in.")
    rpo_minutes: PositiveCount = Field(description="Recovery point objective: the most data loss allowed.")
    encryption: bool = Field(default=False, description="Volumes must be encrypted with Barbican keys.")
    zones: tuple[ShortName, ...] | None = Field(
        default=None, description="Zones this data may live in; absent means every zone."
    )


GENERAL_DEFAULT = Protection(replicas=0, rpo_minutes=1440)
IMPORTANT_DEFAULT = Protection(replicas=1, rpo_minutes=240)
CORE_DEFAULT = Protection(replicas=2, rpo_minutes=15, encryption=True)


class Classifications(SpecModel):
    """The protection each level demands; a stack may tighten the defaults."""

    general: Protection = GENERAL_DEFAULT
    important: Protection = IMPORTANT_DEFAULT
    core: Protection = CORE_DEFAULT

    def of(self, level: Level) -> Protection:
        """The protection of one level."""
        return getattr(self, level.value)
