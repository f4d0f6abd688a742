"""The tag vocabulary the Pulumi program writes and the policy pack reads: ``key:value`` strings.

The one home of every tag key: ``infra`` writes tags with :func:`tag`, ``policies`` reads them by
these keys, so neither can drift from the other.

Keystone projects carry the tenant's facts (classification, agency, home region, replicas demanded);
every other taggable resource carries at least its classification; networks carry their IP stack.
"""

from typing import Final

CLASSIFICATION: Final = "classification"
"""``classification:<level>`` on every taggable resource."""

AGENCY: Final = "agency"
"""``agency:<tenant>`` on the tenant's project."""

HOME_REGION: Final = "home-region"
"""``home-region:<region>`` on the tenant's project; default: the project's ``region`` input."""

BACKUP_REPLICAS: Final = "backup-replicas"
"""``backup-replicas:<n>`` on the project when the stack demands more replicas than the pack's config."""

IP_STACK: Final = "ip-stack"
"""``ip-stack:ipv6-only`` or ``ip-stack:dual-stack`` on every tenant network."""

IPV6_ONLY: Final = "ipv6-only"


def tag(key: str, value: object) -> str:
    """The tag ``key:value`` (``value`` as text; an enum's value, not its name)."""
    text = getattr(value, "value", value)
    return f"{key}:{text}"
