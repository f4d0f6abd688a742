"""Generated stacks of any size: two primary regions, two backup sites, tenants of every level.

Used by the preview and policy benchmarks (:func:`benchmark_stack`) and by tests that need more than
the shipped stacks exercise (several primary regions, several backup sites, override regions). The
text goes through the real loader, so a generated stack is checked like any stack file.
"""

from __future__ import annotations

from pathlib import Path

from stacks import LoadedStack, load_stack, parse_stack

ROOT = Path(__file__).resolve().parents[1]

LEVELS = ("general", "important", "core")

_HEADER = """\
cloud: {{name: generated-{tenants}, overcommit_allowed: true}}
regions:
  - name: north
    role: primary
    ipv6_prefix: 2001:db8:a000::/40
    ipv4_prefix: 10.32.0.0/12
    external_network: public
    zones:
      - {{name: n-az1, capacity: {{vcpu: 4096, ram_gib: 16384, volume_gib: 1000000}}}}
      - {{name: n-az2, capacity: {{vcpu: 4096, ram_gib: 16384, volume_gib: 1000000}}}}
  - name: south
    role: primary
    ipv6_prefix: 2001:db8:b000::/40
    ipv4_prefix: 10.64.0.0/12
    external_network: provider-net
    zones:
      - {{name: s-az1, capacity: {{vcpu: 4096, ram_gib: 16384, volume_gib: 1000000}}}}
  - name: archive-a
    role: backup
    ipv6_prefix: 2001:db8:c000::/40
    external_network: public
  - name: archive-b
    role: backup
    ipv6_prefix: 2001:db8:d000::/40
    external_network: public
tenants:
"""

_TENANT = """\
  - name: agency-{i}
    display_name: Agency {i}
    classification: {level}
    home_region: {home}
    slot: {slot}
    groups: {{admin: [agency-{i}-admins], member: [agency-{i}-staff, "Agency {i} auditors"]}}
    quotas:
      compute: {{cores: {cores}, ram_gib: {ram}, instances: 10}}
      network: {{networks: 4, subnets: 8, ports: 100, routers: 1, security_groups: 10, floating_ips: 1}}
      block_storage: {{volumes: 20, gigabytes: {gigabytes}, snapshots: 20, backups: 20}}
      object_storage: {{bytes: {tib}TiB}}
    networks:
      - {{name: app, slot: 0, stack: dual-stack, ipv6_mode: slaac}}
      - {{name: data, slot: 1, stack: ipv6-only, ipv6_mode: dhcpv6-stateful}}
"""


def generated_stack_text(tenants: int) -> str:
    """YAML of a stack with ``tenants`` tenants spread over two primary regions."""
    parts = [_HEADER.format(tenants=tenants)]
    for i in range(tenants):
        level = LEVELS[i % len(LEVELS)]
        parts.append(
            _TENANT.format(
                i=i,
                level=level,
                home="north" if i % 2 == 0 else "south",
                slot=i // 2 + 1,
                cores=8 + i % 5 * 8,
                ram=16 + i % 3 * 16,
                gigabytes=500 + i % 4 * 250,
                tib=1 + i % 3,
            )
        )
        if level == "core" and i % 4 == 2:
            parts.append("    backup: {regions: [archive-b, archive-a], rpo_minutes: 5}\n")
    return "".join(parts)


def generated_stack(tenants: int) -> LoadedStack:
    """A checked stack with ``tenants`` tenants (its name is ``generated-<n>``)."""
    return parse_stack(generated_stack_text(tenants), f"generated-{tenants}.yaml")


def benchmark_stack(case: str) -> tuple[str, LoadedStack]:
    """A benchmark case and its label: a number of tenants (generated) or a shipped stack's name."""
    if case.isdigit():
        return f"generated {case}", generated_stack(int(case))
    return f"stacks/{case}.yaml", load_stack(ROOT / "stacks" / f"{case}.yaml")
