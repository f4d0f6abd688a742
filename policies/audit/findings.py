"""An audit finding: what drifted, how bad it is, and which requirement it is evidence for.

The requirement names the data's classification level under GB/T 43697-2024 and the control area of
GB/T 22239-2019 the finding bears on, by the area's name (the standards' own clause numbers are not
repeated here). Which area a kind of finding belongs to is this project's reading, listed in
docs/audit.md, not an official mapping.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

CLASSIFICATION_STANDARD = (
    "GB/T 43697-2024 Data security technology — Rules for data classification and grading"
)
PROTECTION_STANDARD = (
    "GB/T 22239-2019 Information security technology — Baseline for classified protection of cybersecurity"
)


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


SEVERITY_ORDER = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)


class Area(StrEnum):
    """Control areas of GB/T 22239-2019, by name, with the part of the baseline they sit in."""

    ACCESS_CONTROL = "access control (security computing environment)"
    BOUNDARY_ACCESS_CONTROL = "access control (security area boundary)"
    NETWORK_ARCHITECTURE = "network architecture (security communication network)"
    BACKUP = "data backup and recovery (security computing environment)"
    CONFIDENTIALITY = "data confidentiality (security computing environment)"
    INTEGRITY_CONFIDENTIALITY = "data integrity and confidentiality (cloud computing extension)"
    CENTRAL_CONTROL = "centralized management and control (security management centre)"


class Kind(StrEnum):
    """Every kind of finding, with its severity and control area in :data:`KINDS`."""

    PROJECT_MISSING = "project-missing"
    PROJECT_TAGS = "project-tags"
    ROLE_MISSING = "role-assignment-missing"
    ROLE_EXTRA = "role-assignment-undeclared"
    QUOTA_DRIFT = "quota-drift"
    NETWORK_MISSING = "network-missing"
    SUBNET_DRIFT = "subnet-drift"
    OPEN_ADMIN_PORT = "open-admin-port"
    CONTAINER_MISSING = "backup-container-missing"
    SYNC_DRIFT = "backup-sync-drift"
    VERSIONS_MISSING = "backup-versions-missing"
    VOLUME_TYPE_MISSING = "encrypted-volume-type-missing"
    ENCRYPTION_DRIFT = "volume-encryption-drift"
    RESIDENCY = "zone-residency"
    SHADOW_PROJECT = "shadow-project"


KINDS: dict[Kind, tuple[Severity, Area]] = {
    Kind.PROJECT_MISSING: (Severity.HIGH, Area.CENTRAL_CONTROL),
    Kind.PROJECT_TAGS: (Severity.MEDIUM, Area.CENTRAL_CONTROL),
    Kind.ROLE_MISSING: (Severity.MEDIUM, Area.ACCESS_CONTROL),
    Kind.ROLE_EXTRA: (Severity.HIGH, Area.ACCESS_CONTROL),
    Kind.QUOTA_DRIFT: (Severity.MEDIUM, Area.CENTRAL_CONTROL),
    Kind.NETWORK_MISSING: (Severity.MEDIUM, Area.NETWORK_ARCHITECTURE),
    Kind.SUBNET_DRIFT: (Severity.MEDIUM, Area.NETWORK_ARCHITECTURE),
    Kind.OPEN_ADMIN_PORT: (Severity.CRITICAL, Area.BOUNDARY_ACCESS_CONTROL),
    Kind.CONTAINER_MISSING: (Severity.HIGH, Area.BACKUP),
    Kind.SYNC_DRIFT: (Severity.HIGH, Area.BACKUP),
    Kind.VERSIONS_MISSING: (Severity.MEDIUM, Area.BACKUP),
    Kind.VOLUME_TYPE_MISSING: (Severity.HIGH, Area.CONFIDENTIALITY),
    Kind.ENCRYPTION_DRIFT: (Severity.HIGH, Area.CONFIDENTIALITY),
    Kind.RESIDENCY: (Severity.HIGH, Area.INTEGRITY_CONFIDENTIALITY),
    Kind.SHADOW_PROJECT: (Severity.HIGH, Area.CENTRAL_CONTROL),
}


def severity_for(kind: Kind, level: str | None) -> Severity:
    """The kind's severity, one step worse for core data (never past critical)."""
    base = KINDS[kind][0]
    if level == "core" and base is not Severity.CRITICAL:
        return SEVERITY_ORDER[SEVERITY_ORDER.index(base) - 1]
    return base


@dataclass(frozen=True)
class Finding:
    """One difference between the stack file and the live cloud."""

    kind: Kind
    tenant: str | None
    """The tenant (agency) it concerns; None for a project the stack does not declare."""
    level: str | None
    """The tenant's classification level (general / important / core), if it has one."""
    resource: str
    expected: str
    actual: str
    message: str

    @property
    def severity(self) -> Severity:
        return severity_for(self.kind, self.level)

    @property
    def area(self) -> Area:
        return KINDS[self.kind][1]

    def as_json(self) -> dict[str, Any]:
        """The finding as ``govcloud audit --json`` writes it (docs/contracts.md, audit)."""
        return {
            "kind": self.kind.value,
            "severity": self.severity.value,
            "tenant": self.tenant,
            "resource": self.resource,
            "expected": self.expected,
            "actual": self.actual,
            "message": self.message,
            "requirement": {
                "level": self.level,
                "classification_standard": CLASSIFICATION_STANDARD if self.level else None,
                "control_area": self.area.value,
                "protection_standard": PROTECTION_STANDARD,
            },
        }


def sort_key(finding: Finding) -> tuple[int, str, str, str]:
    return (SEVERITY_ORDER.index(finding.severity), finding.tenant or "~", finding.kind, finding.resource)
