"""Reading a stack file: YAML in, a checked, frozen :class:`StackSpec` out, or every problem located.

This is the only place that touches the file system; everything after it works on typed objects.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import yaml
from pydantic import ValidationError

from stacks.check import check_stack
from stacks.input_file import InputError, MiB, compose_yaml, construct_yaml, read_text
from stacks.problem import FieldPath, Problem, Severity, SpecError
from stacks.spec import StackSpec

MAX_STACK_BYTES = 64 * MiB
"""The largest stack file read (prod.yaml, 44 agencies, is about 30 KiB)."""

MAX_STACK_NODES = 1_000_000
"""The most YAML nodes a stack may have with its aliases expanded (the line map walks them expanded)."""


@dataclass(frozen=True)
class LoadedStack:
    """A stack that passed every check, with where it came from and any warnings."""

    spec: StackSpec
    source: str
    warnings: tuple[Problem, ...] = ()

    @property
    def name(self) -> str:
        """The stack's short name: the file name without extension (``dev`` for ``stacks/dev.yaml``)."""
        return Path(self.source).stem


def load_stack(path: str | Path) -> LoadedStack:
    """Read, type-check and rule-check a stack file. Raises SpecError naming file, line and field."""
    source = str(path)
    try:
        text = read_text(path, MAX_STACK_BYTES)
    except InputError as error:
        raise SpecError([Problem((), error.reason, file=source)]) from None
    return parse_stack(text, source)


def parse_stack(text: str, source: str = "<stack>") -> LoadedStack:
    """Like :func:`load_stack`, from text already read."""
    data, lines = _parse_yaml(text, source)
    try:
        spec = StackSpec.model_validate(data)
    except ValidationError as error:
        raise SpecError([_locate(p, source, lines) for p in _validation_problems(error)]) from None
    problems = [_locate(p, source, lines) for p in check_stack(spec)]
    errors = [p for p in problems if p.severity is Severity.ERROR]
    if errors:
        raise SpecError(errors)
    return LoadedStack(spec, source, tuple(problems))


def _validation_problems(error: ValidationError) -> list[Problem]:
    problems = []
    for item in error.errors(include_url=False):
        path: FieldPath = tuple(part for part in item["loc"] if not _is_union_tag(part))
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown key (check the spelling; see `govcloud schema`)"
        elif item["type"] == "missing":
            message = "required field is missing"
        elif item["type"] == "value_error":
            message = message.removeprefix("Value error, ")
        problems.append(Problem(path, message))
    return problems


def _is_union_tag(part: str | int) -> bool:
    # pydantic adds the member type of a union (e.g. "IPv4Network") to the location; people never wrote it.
    return isinstance(part, str) and part[:1].isupper()


def _locate(problem: Problem, source: str, lines: dict[FieldPath, int]) -> Problem:
    path = problem.path
    while path and path not in lines:
        path = path[:-1]
    return replace(problem, file=source, line=lines.get(path))


def _parse_yaml(text: str, source: str) -> tuple[object, dict[FieldPath, int]]:
    """The document's data and the 1-based line of every field path in it."""
    try:
        node = compose_yaml(text, max_nodes=MAX_STACK_NODES)
    except InputError as error:
        raise SpecError([Problem((), error.reason, file=source, line=error.line)]) from None
    if node is None:
        raise SpecError([Problem((), "the file is empty", file=source)])
    lines: dict[FieldPath, int] = {}
    duplicates: list[Problem] = []
    try:
        _walk(node, (), lines, duplicates)
    except RecursionError:
        raise SpecError([Problem((), "nested too deeply", file=source, line=1)]) from None
    if duplicates:
        raise SpecError([replace(p, file=source) for p in duplicates])
    try:
        data = construct_yaml(node)
    except InputError as error:
        raise SpecError([Problem((), error.reason, file=source, line=error.line)]) from None
    if not isinstance(data, dict):
        raise SpecError([Problem((), "the top level must be a mapping", file=source, line=1)])
    return data, lines


def _walk(node: yaml.Node, path: FieldPath, lines: dict[FieldPath, int], duplicates: list[Problem]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[object] = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else key_node.start_mark.line
            if key in seen:
                duplicates.append(
                    Problem(
                        (*path, key), "key appears twice in one mapping", line=key_node.start_mark.line + 1
                    )
                )
            seen.add(key)
            _walk(value_node, (*path, key), lines, duplicates)
            lines[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines, duplicates)
