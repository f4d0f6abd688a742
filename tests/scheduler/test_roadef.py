"""The ROADEF 2012 converter (bench.roadef): one instance in, a valid inventory matching the file out."""

from __future__ import annotations

from bench.roadef import DATA, load_roadef
from scheduler.model.inventory_file import inventory_to_dict, parse_inventory
from scheduler.model.safety import plan_violations


def test_a1_1_converts_to_a_valid_inventory_matching_the_file() -> None:
    assert (DATA / "model_a1_1.txt").is_file(), (
        f"the ROADEF data is missing: {DATA} (shared/ beside the checkout)"
    )
    tokens = [int(t) for t in (DATA / "model_a1_1.txt").read_text().split()]
    n_r = tokens[0]
    n_m = tokens[1 + 2 * n_r]
    first = 2 + 2 * n_r  # machine 0: neighbourhood, location, capacity[R], ...
    location, capacity = tokens[first + 1], tokens[first + 2 : first + 2 + n_r]
    initial = [int(t) for t in (DATA / "assignment_a1_1.txt").read_text().split()]

    inv = load_roadef("a1_1")

    assert len(inv.hosts) == n_m
    assert len(inv.workloads) == len(initial)
    assert inv.resources == tuple(f"r{i}" for i in range(n_r))
    host = inv.host("m0")
    assert host.zone == f"loc-{location}"
    assert dict(host.capacity) == {f"r{i}": float(c) for i, c in enumerate(capacity)}
    assert [inv.workload(f"p{p}").host for p in range(len(initial))] == [f"m{m}" for m in initial]
    # valid: survives the file model's checks, and the initial placement fits every host
    assert parse_inventory(inventory_to_dict(inv)) == inv
    for h in inv.hosts:
        for r in inv.resources:
            assert sum(w.request(r) for w in inv.workloads if w.host == h.name) <= h.capacity[r]
    assert plan_violations(inv, (), max_moves=None) == []
