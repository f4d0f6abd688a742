"""The pack config a stack implies: what ``govcloud policy-config --stack FILE`` writes.

``pulumi preview --policy-pack policies --policy-pack-config FILE`` takes it, and the offline preview
uses the very same dict, so the pack is configured one way whichever engine runs it.
"""

from __future__ import annotations

from typing import Any

from policies.backup import NAME as BACKUP
from policies.capacity import NAME as CAPACITY
from policies.encryption import NAME as ENCRYPTION
from policies.levels import DEFAULT_ENCRYPTED_LEVELS, DEFAULT_REPLICAS
from stacks.capacity import region_totals
from stacks.classification import Level
from stacks.spec import StackSpec

_CAPACITY_KEYS = {"vcpu": "vcpu", "ram": "ramGib", "volume": "volumeGib"}


def pack_config(spec: StackSpec) -> dict[str, dict[str, Any]]:
    """The pack config a stack implies: its regions' capacities and any stricter protection it asks for."""
    regions: dict[str, dict[str, float]] = {}
    for row in region_totals(spec):
        regions.setdefault(row.region, {})[_CAPACITY_KEYS[row.resource]] = row.allocatable
    levels = {level.value: spec.classifications.of(level) for level in Level}
    replicas = {name: max(DEFAULT_REPLICAS.get(name, 0), p.replicas) for name, p in levels.items()}
    encrypted = sorted(set(DEFAULT_ENCRYPTED_LEVELS) | {name for name, p in levels.items() if p.encryption})
    return {
        CAPACITY: {"regions": regions},
        BACKUP: {"replicas": replicas},
        ENCRYPTION: {"levels": encrypted},
    }
