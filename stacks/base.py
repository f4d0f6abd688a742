"""The base every stack-file model shares: frozen, strict about unknown keys."""

from pydantic import BaseModel, ConfigDict


class SpecModel(BaseModel):
    """Frozen and closed: an unknown key in a stack file is an error, never ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
