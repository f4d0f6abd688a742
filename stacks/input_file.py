"""Reading hostile input safely: one place for every file people or tools hand to govcloud.

Stack files (``stacks/load.py``) and inventories (``scheduler/model/inventory_file.py``) both read
through here, so both get the same guards:

- only regular files, and at most a given size (``/dev/zero`` or a FIFO is refused, not read forever);
- YAML with the safe constructors of libyaml's C loader (``yaml.CSafeLoader``) where present, and no
  implicit timestamps: ``slot: 2020-13-45`` stays the string it looks like, for the schema to judge;
- unknown tags (``!Ref``, ``!!python/object/apply``) are errors naming the line, never a traceback;
- documents nested deeper than :data:`MAX_DEPTH`, aliases that refer to themselves, or aliases that
  expand beyond :data:`MAX_EXPANDED_NODES` nodes ("billion laughs") are refused before anything walks
  them expanded (a document without an anchor has no alias: its size is the file's, already capped);
- duplicate keys in one mapping (YAML or JSON) are found, with their line;
- the cyclic garbage collector is paused while a big document is built (:func:`paused_gc`): its
  passes over millions of fresh, acyclic objects tripled the time of a 60,000-workload inventory;
- JSON without ``NaN``/``Infinity`` (not JSON), and with the same depth guard.
"""

from __future__ import annotations

import gc
import json
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

MAX_DEPTH = 64
"""The deepest nesting of mappings and sequences accepted (stacks and inventories need fewer than 10)."""

MAX_EXPANDED_NODES = 20_000_000
"""The most nodes a document may have once every alias is expanded."""

MiB = 1024 * 1024

_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_STR = "tag:yaml.org,2002:str"
_FLOAT = "tag:yaml.org,2002:float"

try:  # libyaml's parser (C) where installed; the pure-Python one otherwise, equally safe
    from yaml import CParser as _Events
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Events(Reader, Scanner, Parser):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)


class InputError(Exception):
    """Input that cannot be read or parsed: ``reason``, and the 1-based ``line`` when known."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        self.reason = reason
        self.line = line
        super().__init__(reason if line is None else f"line {line}: {reason}")


@dataclass(frozen=True)
class DuplicateKey:
    """A key that appears twice in one mapping, and the line of its second appearance."""

    key: str
    line: int | None


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block (reference counting still frees memory).

    Reading a document creates millions of objects without cycles; each one counts towards the next
    collection, and every full collection walks them all again. A paused collector is switched back
    on afterwards only if it was on before (the block may be nested).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


_RESOLVERS = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
    for first, resolvers in Resolver.yaml_implicit_resolvers.items()
}


class _KeyCheckingConstructor(SafeConstructor):
    """The safe constructor, noting each key that appears twice in one mapping (the last would win).

    Checked while constructing, so no separate walk: a mapping with as many entries as keys (and no
    merge key) has no duplicate. Scalars, most of a document, skip the bookkeeping that only
    collections need (remembering what is built, for aliases and cycles), and mappings with string
    keys only (no merge key) are built in one comprehension.
    """

    duplicates: list[DuplicateKey]

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if type(node) is yaml.ScalarNode:
            tag = node.tag
            if tag == _STR:
                return node.value
            if tag == _FLOAT:
                try:  # the plain forms; '.inf', '1:30' or '1_.5' go to YAML's own constructor
                    return float(node.value)
                except ValueError:
                    pass
            constructor = self.yaml_constructors.get(tag)
            if constructor is not None:
                return constructor(self, node)
        return super().construct_object(node, deep=deep)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        pairs = node.value  # merge keys are removed from this list, merged pairs go into a new one
        mapping: dict[Any, Any]
        if type(node) is yaml.MappingNode and all(
            type(k) is yaml.ScalarNode and k.tag == _STR for k, _ in pairs
        ):
            # string keys only, so no merge key and nothing unhashable
            build = self.construct_object
            mapping = {key.value: build(value, deep) for key, value in pairs}
        else:
            mapping = super().construct_mapping(node, deep=deep)
        if len(mapping) < len(pairs) or node.value is not pairs:
            seen: set[Any] = set()
            for key_node, _ in pairs:
                key = self.construct_object(key_node, deep=True)
                if key in seen:
                    self.duplicates.append(DuplicateKey(str(key), key_node.start_mark.line + 1))
                seen.add(key)
        return mapping


class _PythonLoader(Composer, _Events, _KeyCheckingConstructor, Resolver):  # type: ignore[misc,valid-type]
    """Safe YAML without implicit timestamps, composed in Python with a bounded depth."""

    yaml_implicit_resolvers: ClassVar[dict[str, list[tuple[str, Any]]]] = _RESOLVERS

    def __init__(self, stream: str) -> None:
        _Events.__init__(self, stream)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        if self._depth > MAX_DEPTH:
            event = self.peek_event()
            raise InputError(f"nested deeper than {MAX_DEPTH} levels", event.start_mark.line + 1)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


if hasattr(yaml, "CSafeLoader"):

    class _CLoader(_KeyCheckingConstructor, yaml.CSafeLoader):  # type: ignore[name-defined,misc]
        """libyaml's safe loader (its composer bounds nesting itself) without implicit timestamps."""

        yaml_implicit_resolvers: ClassVar[dict[str, list[tuple[str, Any]]]] = _RESOLVERS

    _Loader: Any = _CLoader  # 6x faster than composing in Python (60k workloads: 16 s, not 105 s)
else:  # pragma: no cover - PyYAML built without libyaml
    _Loader = _PythonLoader


def read_text(path: str | Path, max_bytes: int) -> str:
    """The UTF-8 text of a regular file of at most ``max_bytes``; InputError saying why not."""
    try:
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
                raise InputError(f"cannot read the file: {kind}")
            if info.st_size > max_bytes:
                raise InputError(f"the file is larger than {max_bytes // MiB} MiB ({info.st_size} bytes)")
            data = handle.read(max_bytes + 1)
    except IsADirectoryError:
        raise InputError("cannot read the file: a directory") from None
    except OSError as error:
        raise InputError(f"cannot read the file: {error.strerror or error}") from None
    if len(data) > max_bytes:
        raise InputError(f"the file is larger than {max_bytes // MiB} MiB")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"not UTF-8 text: {error.reason} at byte {error.start}") from None


def compose_yaml(text: str, max_nodes: int = MAX_EXPANDED_NODES) -> yaml.Node | None:
    """The node graph of one YAML document (None when empty), checked for depth and alias expansion."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except InputError:
        raise
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        reason = getattr(error, "problem", None) or str(error)
        raise InputError(f"malformed YAML: {reason}", mark.line + 1 if mark else None) from None
    except RecursionError:
        raise InputError(f"nested deeper than {MAX_DEPTH} levels") from None
    finally:
        loader.dispose()
    if node is not None and _may_have_aliases(text):
        expanded_size(node, max_nodes)
    return node


def _may_have_aliases(text: str) -> bool:
    # An alias needs an anchor, and an anchor is written with '&': without one, nothing is shared.
    return "&" in text


def construct_yaml(node: yaml.Node, duplicates: list[DuplicateKey] | None = None) -> Any:
    """The data of a node graph from :func:`compose_yaml` (safe types only; dates stay strings).

    Each key that appears twice in one mapping is added to ``duplicates`` when given.
    """
    loader = _Loader("")
    loader.duplicates = [] if duplicates is None else duplicates
    try:
        return loader.construct_document(node)
    except yaml.constructor.ConstructorError as error:
        mark = error.problem_mark or error.context_mark
        reason = error.problem or str(error)
        if "could not determine a constructor" in reason:
            reason = f"unknown tag {_node_tag(error)!s} (tags are not allowed)"
        raise InputError(f"malformed YAML: {reason}", mark.line + 1 if mark else None) from None
    except RecursionError:
        raise InputError(f"nested deeper than {MAX_DEPTH} levels") from None
    finally:
        loader.dispose()


def _node_tag(error: yaml.constructor.ConstructorError) -> str:
    """The tag a ConstructorError complains about (PyYAML puts it in the problem text)."""
    problem = error.problem or ""
    return problem.rsplit(" ", 1)[-1] if "tag" in problem else "?"


def load_yaml(text: str) -> Any:
    """Compose (with every guard) and construct one YAML document; None when it is empty."""
    node = compose_yaml(text)
    return None if node is None else construct_yaml(node)


def expanded_size(node: yaml.Node, limit: int = MAX_EXPANDED_NODES) -> int:
    """The node count of ``node`` with every alias expanded; InputError beyond ``limit`` or on a cycle.

    Each distinct node is visited once (sizes are remembered), so a billion-laughs document is
    measured in microseconds, not expanded.
    """
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    open_nodes: set[int] = set()
    while stack:
        current, done = stack.pop()
        key = id(current)
        children = _children(current)
        if done:
            open_nodes.discard(key)
            size = 1 + sum(sizes[id(child)] for child in children)
            if size > limit:
                raise InputError(
                    f"aliases expand to more than {limit} nodes (refusing a 'billion laughs' document)",
                    current.start_mark.line + 1,
                )
            sizes[key] = size
            continue
        if key in sizes:
            continue
        if key in open_nodes:
            raise InputError("an alias refers to the node that contains it", current.start_mark.line + 1)
        open_nodes.add(key)
        stack.append((current, True))
        for child in children:
            if id(child) in open_nodes:
                raise InputError("an alias refers to the node that contains it", child.start_mark.line + 1)
            if id(child) not in sizes:
                stack.append((child, False))
    return sizes[id(node)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def load_json(text: str) -> Any:
    """Strict JSON: no NaN/Infinity, no duplicate keys, bounded depth; InputError naming the line."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                raise InputError(f"key {key!r} appears twice in one object")
            out[key] = value
        return out

    def constant(name: str) -> Any:
        raise InputError(f"{name} is not a JSON number")

    try:
        return json.loads(text, object_pairs_hook=pairs, parse_constant=constant)
    except json.JSONDecodeError as error:
        raise InputError(f"not valid JSON: {error.msg}", error.lineno) from None
    except RecursionError:
        raise InputError("nested too deeply") from None
