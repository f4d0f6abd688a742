"""The YAML reader's fast paths give the data and findings of the slow ones (issue #15, large inputs).

Scalars are built without the constructor's bookkeeping, duplicate keys are found while building,
and the alias walk only runs where an anchor can be; each case here would tell if a shortcut lost
something.
"""

from __future__ import annotations

import gc

import pytest

from stacks.input_file import DuplicateKey, InputError, compose_yaml, construct_yaml, load_yaml, paused_gc


def _read(text: str) -> tuple[object, list[DuplicateKey]]:
    node = compose_yaml(text)
    assert node is not None
    duplicates: list[DuplicateKey] = []
    return construct_yaml(node, duplicates), duplicates


def test_scalars_keep_their_yaml_types() -> None:
    data, _ = _read("s: x\ni: 0x1f\nf: 1.5e+3\nb: yes\nn: ~\nq: '12'\nd: 2020-13-45\ninf: .inf\n")
    assert data == {
        "s": "x",
        "i": 31,
        "f": 1500.0,
        "b": True,
        "n": None,
        "q": "12",
        "d": "2020-13-45",
        "inf": float("inf"),
    }


def test_aliased_scalars_and_collections_share_values() -> None:
    data, duplicates = _read("a: &v 1.5\nb: *v\nc: &l [1, 2]\nd: *l\n")
    assert data == {"a": 1.5, "b": 1.5, "c": [1, 2], "d": [1, 2]}
    assert duplicates == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: 1\nb: 2\na: 3\n", [DuplicateKey("a", 3)]),
        ("top:\n  - {x: 1, x: 2}\n  - {y: 1}\n", [DuplicateKey("x", 2)]),
        # an override of a merged key is no duplicate; a key written twice beside the merge is
        ("base: &b {x: 1, y: 1}\nm:\n  <<: *b\n  x: 2\n  z: 1\n  z: 2\n", [DuplicateKey("z", 6)]),
        # the same key in two spellings (1 and 0x1) is one key once built
        ("1: a\n0x1: b\n", [DuplicateKey("1", 2)]),
        ("a: {b: 1}\nc: {b: 2}\n", []),
    ],
)
def test_duplicate_keys_are_found_while_building(text: str, expected: list[DuplicateKey]) -> None:
    assert _read(text)[1] == expected


def test_an_ampersand_in_text_still_gets_the_alias_checks() -> None:
    assert load_yaml("tenant: R&D\n") == {"tenant": "R&D"}
    with pytest.raises(InputError, match="refers to the node that contains it"):
        compose_yaml("name: R&D\nloop: &a [*a]\n")
    bomb = "a: &a [x, x, x, x]\nb: &b [*a, *a, *a, *a]\nc: [*b, *b, *b, *b]\n"
    with pytest.raises(InputError, match="aliases expand to more than 50 nodes"):
        compose_yaml(bomb, max_nodes=50)


def test_paused_gc_restores_the_collector_as_it_was() -> None:
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), paused_gc():
        raise RuntimeError("boom")
    assert gc.isenabled()
