"""Who owns what in a stack: each tenant's project and the resources that belong to it.

Policies see only resources, so ownership is read from the resource graph the engine passes:
a resource belongs to a tenant when the tenant's project is among its dependencies through
``projectId``/``tenantId``, or when it lives under the component that holds the project (the
parent chain). The tenant's facts come from the project's tags.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pulumi_policy import PolicyResource

from policies.props import plain, tag_value, tags, text
from policies.tokens import PROJECT
from stacks import tags as tag

_OWNER_KEYS = ("projectId", "tenantId")
STACK_TYPE = "pulumi:pulumi:Stack"


@dataclass(frozen=True)
class TenantScope:
    """A tenant as its project declares it."""

    name: str
    project: PolicyResource
    classification: str | None
    home_region: str | None
    replicas_demanded: int | None

    @property
    def urn(self) -> str:
        return self.project.urn


class StackIndex:
    """The stack's resources with plain props, indexed by type and by owning tenant."""

    def __init__(self, resources: Sequence[PolicyResource]) -> None:
        self.resources = tuple(resources)
        self.by_urn: dict[str, PolicyResource] = {r.urn: r for r in self.resources}
        self._props: dict[str, dict[str, Any]] = {r.urn: plain(r.props) for r in self.resources}
        self.tenants = tuple(self._tenant(r) for r in self.resources if r.resource_type == PROJECT)
        by_project = {t.urn: t for t in self.tenants}
        # The component holding a project is the tenant's scope; anything under it is the tenant's.
        self._scopes: dict[str, TenantScope] = {}
        for t in self.tenants:
            parent = t.project.parent
            # A project at the top level has no scope of its own: the stack is everybody's.
            if parent is not None and parent.resource_type != STACK_TYPE:
                self._scopes.setdefault(parent.urn, t)
        self._owner: dict[str, TenantScope | None] = {}
        self._owned: dict[str, list[PolicyResource]] = {t.urn: [] for t in self.tenants}
        for r in self.resources:
            owner = by_project.get(r.urn) or self._find_owner(r, by_project)
            self._owner[r.urn] = owner
            if owner is not None:
                self._owned[owner.urn].append(r)

    def props(self, resource: PolicyResource) -> dict[str, Any]:
        """The resource's props as plain data (unknowns as ``UNKNOWN``)."""
        return self._props[resource.urn]

    def of_type(self, *types: str) -> Iterator[PolicyResource]:
        return (r for r in self.resources if r.resource_type in types)

    def owner(self, resource: PolicyResource) -> TenantScope | None:
        """The tenant the resource belongs to, if any."""
        return self._owner.get(resource.urn)

    def owned(self, tenant: TenantScope, *types: str) -> list[PolicyResource]:
        """The tenant's resources of the given types, in stack order."""
        return [r for r in self._owned.get(tenant.urn, ()) if r.resource_type in types]

    def _tenant(self, project: PolicyResource) -> TenantScope:
        props = plain(project.props)
        project_tags = tags(props)
        replicas = tag_value(project_tags, tag.BACKUP_REPLICAS)
        return TenantScope(
            name=tag_value(project_tags, tag.AGENCY) or text(props, "name") or project.name,
            project=project,
            classification=tag_value(project_tags, tag.CLASSIFICATION),
            home_region=tag_value(project_tags, tag.HOME_REGION) or text(props, "region"),
            replicas_demanded=int(replicas) if replicas is not None and replicas.isdigit() else None,
        )

    def _find_owner(
        self, resource: PolicyResource, by_project: Mapping[str, TenantScope]
    ) -> TenantScope | None:
        for key in _OWNER_KEYS:
            for dependency in resource.property_dependencies.get(key, ()):
                if dependency.urn in by_project:
                    return by_project[dependency.urn]
        ancestor = resource.parent
        while ancestor is not None:
            if ancestor.urn in self._scopes:
                return self._scopes[ancestor.urn]
            ancestor = ancestor.parent
        return None


def label(resource: PolicyResource) -> str:
    """How a message names a resource: its type's short name and logical name."""
    return f"{resource.resource_type.rsplit(':', 1)[-1]} {resource.name!r}"
