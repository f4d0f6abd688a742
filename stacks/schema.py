"""The stack file's JSON Schema, for editors and other tools that validate stack files."""

from __future__ import annotations

import json
from typing import Any

from stacks.spec import StackSpec

SCHEMA_ID = "https://govcloud.invalid/schemas/stack.schema.json"


def stack_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a stack file."""
    schema = StackSpec.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def stack_schema_json() -> str:
    """The schema as stable, indented JSON text (what ``stacks/stack.schema.json`` holds)."""
    return json.dumps(stack_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
