"""The ROADEF 2012 converter (bench.roadef): an instance in the challenge's format in, a valid inventory out.

The instance is written here, in the format of the set-A files (whitespace-separated integers), so the
test needs no data beside the checkout; `python -m bench.roadef` runs the converter on the real set A.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.roadef import read_roadef, to_inventory
from scheduler.model.inventory_file import inventory_to_dict, parse_inventory
from scheduler.model.safety import plan_violations

# 2 resources (transient flag, load-cost weight each); 3 machines (neighbourhood, location,
# capacity x2, safety capacity x2, move cost to each of the 3 machines); 2 services (spread minimum,
# dependencies); 3 processes (service, requirement x2, move cost); then balance costs and weights,
# which the conversion ignores.
MODEL = """
2
0 10
1 10
3
0 0  30 60  20 40  0 1 2
0 0  30 60  20 40  1 0 2
1 1  50 90  40 80  2 2 0
2
1 0
2 1 0
3
0 5 10 1
1 7 12 1
1 4 20 1
0
1 10 100
"""
ASSIGNMENT = "0 2 1\n"


def test_an_instance_converts_to_a_valid_inventory_matching_the_file(tmp_path: Path) -> None:
    (tmp_path / "model.txt").write_text(MODEL)
    (tmp_path / "assignment.txt").write_text(ASSIGNMENT)

    data = read_roadef(tmp_path / "model.txt", tmp_path / "assignment.txt")
    inv = to_inventory(data)

    assert [z.name for z in inv.zones] == ["loc-0", "loc-1"]
    assert [h.name for h in inv.zone("loc-0").hosts] == ["m0", "m1"]
    assert dict(inv.host("m2").capacity) == {"r0": 50.0, "r1": 90.0}  # capacity, not safety capacity
    assert [(w.name, w.host, dict(w.requests)) for w in inv.workloads] == [
        ("p0", "m0", {"r0": 5.0, "r1": 10.0}),
        ("p1", "m2", {"r0": 7.0, "r1": 12.0}),
        ("p2", "m1", {"r0": 4.0, "r1": 20.0}),
    ]
    # the service with two processes is a replica group; a lone process is no group
    assert [w.group for w in inv.workloads] == [None, "svc-1", "svc-1"]
    assert parse_inventory(inventory_to_dict(inv)) == inv
    assert plan_violations(inv, (), max_moves=None) == []


def test_an_assignment_of_the_wrong_length_is_refused(tmp_path: Path) -> None:
    (tmp_path / "model.txt").write_text(MODEL)
    (tmp_path / "assignment.txt").write_text("0 1\n")
    with pytest.raises(ValueError, match="2 machines for 3 processes"):
        read_roadef(tmp_path / "model.txt", tmp_path / "assignment.txt")
