"""no-open-admin-ingress: nobody on the whole internet may reach SSH, RDP, databases or Kubernetes APIs."""

from __future__ import annotations

from ipaddress import ip_network

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from policies import config
from policies.props import UNKNOWN, number, plain
from policies.tokens import SECURITY_GROUP_RULE

NAME = "no-open-admin-ingress"

DEFAULT_ADMIN_PORTS: tuple[int, ...] = (22, 3389, 1433, 1521, 3306, 5432, 6379, 9200, 27017, 2379, 6443)
"""SSH, RDP, SQL Server, Oracle, MySQL, PostgreSQL, Redis, Elasticsearch, MongoDB, etcd, Kubernetes API."""

_PORTED_PROTOCOLS = frozenset({"tcp", "udp", "sctp", "6", "17", "132"})
_ANY_PROTOCOL = frozenset({"", "any", "0"})


def is_anywhere(prefix: object) -> bool:
    """True for a remote prefix that matches every address (0.0.0.0/0, ::/0 and their spellings)."""
    if not isinstance(prefix, str):
        return False
    try:
        return ip_network(prefix, strict=False).prefixlen == 0
    except ValueError:
        return False


def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != SECURITY_GROUP_RULE:
        return
    ports = config.int_list(args.get_config(), NAME, "adminPorts", DEFAULT_ADMIN_PORTS)
    props = plain(args.props)
    if props.get("direction") != "ingress":
        return
    remote = props.get("remoteIpPrefix")
    group, address_group = props.get("remoteGroupId"), props.get("remoteAddressGroupId")
    if UNKNOWN in (remote, group, address_group):
        return
    # Neutron reads a rule with no remote prefix and no remote group as "from anywhere".
    if not (is_anywhere(remote) or (not remote and not group and not address_group)):
        return
    source = remote or "anywhere (no remote prefix or group)"
    protocol = props.get("protocol")
    protocol = "" if protocol is None else str(protocol).lower()
    if protocol not in _PORTED_PROTOCOLS and protocol not in _ANY_PROTOCOL:
        return  # ICMP and friends carry no ports
    low, high = number(props.get("portRangeMin")), number(props.get("portRangeMax"))
    if protocol in _ANY_PROTOCOL or low is None or low <= 0:
        low, high = 1, 65535  # no protocol or no port range opens every port
    elif high is None or high <= 0:
        high = low
    exposed = sorted(p for p in set(ports) if low <= p <= high)
    if exposed:
        span = f"port {int(low)}" if low == high else f"ports {int(low)}-{int(high)}"
        report(
            f"ingress from {source} over {protocol or 'any protocol'} {span} "
            f"exposes administrative port(s) {', '.join(map(str, exposed))}",
            None,
        )


POLICY = ResourceValidationPolicy(
    name=NAME,
    description=(
        "No security group rule lets 0.0.0.0/0 or ::/0 reach SSH, RDP, database or Kubernetes API ports."
    ),
    validate=validate,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=config.schema(
        {
            "adminPorts": {
                "type": "array",
                "items": {"type": "integer", "minimum": 1, "maximum": 65535},
                "default": list(DEFAULT_ADMIN_PORTS),
                "description": "Ports no rule may open to the whole internet.",
            }
        }
    ),
    remediation_steps=(
        "Narrow remoteIpPrefix to the agency's management networks or a bastion's prefix, or use "
        "remoteGroupId; reach administrative ports through the bastion or VPN, never from anywhere."
    ),
)
