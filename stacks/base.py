"""The base every stack-file model shares: frozen, strict about unknown keys."""

from typing import Annotated

from pydantic import BaseModel, ByteSize, ConfigDict, Field

MAX_COUNT = 2**53
"""The largest count or amount a stack file may declare: exact as a float, and sums stay finite."""

Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
"""A whole number >= 0 and at most :data:`MAX_COUNT` (quotas, capacities)."""

PositiveCount = Annotated[int, Field(gt=0, le=MAX_COUNT)]
"""A whole number > 0 and at most :data:`MAX_COUNT`."""

Ratio = Annotated[float, Field(gt=0, le=1000, allow_inf_nan=False)]
"""A finite overcommit ratio > 0 (at most 1000)."""

Bytes = Annotated[ByteSize, Field(ge=0, le=2**63 - 1)]
"""A byte count ("10TiB" or a number) that fits the 64-bit quota fields of OpenStack."""


class SpecModel(BaseModel):
    """Frozen and closed: an unknown key in a stack file is an error, never ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, allow_inf_nan=False)
