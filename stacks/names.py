"""Name types shared by the stack file: DNS-safe short names."""

from typing import Annotated

from pydantic import StringConstraints

DNS_LABEL = r"^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$"

ShortName = Annotated[str, StringConstraints(pattern=DNS_LABEL)]
"""A DNS label of at most 32 characters: lowercase letters, digits and inner hyphens."""

GroupName = Annotated[str, StringConstraints(min_length=1, max_length=255)]
