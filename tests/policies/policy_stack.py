"""A small, compliant cloud written out as the engine would pass it, and ways to break it.

Two regions (shenyang primary, dalian backup) and two tenants: ``health`` (core data: two replicas,
an encrypted volume type (a Cinder encryption spec); a dual-stack and an ipv6-only network) and ``transport``
(general data, one ipv6-only network). Props are pulumi-openstack inputs in camelCase.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from policies.inputs import PolicyInput

STACK = "dev"
PROJECT = "govcloud"
STACK_URN = f"urn:pulumi:{STACK}::{PROJECT}::pulumi:pulumi:Stack::{PROJECT}-{STACK}"
_DELETE = object()


def urn_of(type_token: str, name: str, parent: PolicyInput | None) -> str:
    qualified = type_token
    if parent is not None and parent.type != "pulumi:pulumi:Stack":
        qualified = f"{parent.urn.split('::')[2].split('$')[-1]}${type_token}"
    return f"urn:pulumi:{STACK}::{PROJECT}::{qualified}::{name}"


class Builder:
    """Collects resources in declaration order, each with its URN, parent and provider."""

    def __init__(self) -> None:
        self.stack = PolicyInput("pulumi:pulumi:Stack", f"{PROJECT}-{STACK}", STACK_URN)
        self.resources: list[PolicyInput] = [self.stack]

    def add(
        self,
        type_token: str,
        logical: str,
        /,
        parent: PolicyInput | None = None,
        provider: PolicyInput | None = None,
        secret: Sequence[tuple[str | int, ...]] = (),
        links: dict[str, PolicyInput] | None = None,
        fields: dict[str, Any] | None = None,
        **props: Any,
    ) -> PolicyInput:
        """``links`` name the resource an input's value comes from (a property dependency); ``fields``
        are props whose names clash with this method's parameters (a dynamic resource's ``provider``)."""
        props = {**props, **(fields or {})}
        parent = parent or self.stack
        depends = {key: (source.urn,) for key, source in (links or {}).items()}
        resource = PolicyInput(
            type=type_token,
            name=logical,
            urn=urn_of(type_token, logical, parent),
            props=props,
            parent=parent.urn,
            provider=f"{provider.urn}::{provider.name}-provider-id" if provider else None,
            secret_paths=tuple(secret),
            dependencies=tuple(urn for urns in depends.values() for urn in urns),
            property_dependencies=depends,
        )
        self.resources.append(resource)
        return resource


def region(b: Builder, name: str, ipv6: str, ipv4: str | None) -> PolicyInput:
    component = b.add("govcloud:index:Region", name)
    provider = b.add("pulumi:providers:openstack", name, parent=component, region=name)
    for version, prefix in ((6, ipv6), (4, ipv4)):
        if prefix is None:
            continue
        b.add(
            "openstack:networking/subnetPool:SubnetPool",
            f"{name}-ipv{version}-pool",
            parent=component,
            provider=provider,
            name=f"{name}-ipv{version}",
            ipVersion=version,
            prefixes=[prefix],
            shared=True,
            region=name,
            tags=["classification:general"],
        )
    return provider


def tenant(
    b: Builder,
    name: str,
    level: str,
    provider: PolicyInput,
    networks: Iterable[tuple[str, str, str | None]],
    replicas: int = 0,
    encrypted: bool = False,
) -> None:
    """A tenant as the program declares it; ``networks`` are (name, /64, IPv4 /24 or None)."""
    home = "shenyang"
    tags = [f"classification:{level}"]
    component = b.add("govcloud:index:Tenant", name)
    b.add(
        "openstack:identity/project:Project",
        name,
        parent=component,
        provider=provider,
        name=name,
        description=f"{name} agency",
        enabled=True,
        region=home,
        tags=[*tags, f"agency:{name}"],
    )
    quotas = b.add("govcloud:index:Quotas", f"{name}-quotas", parent=component)
    project_id = f"{name}-project-id"
    b.add(
        "openstack:compute/quotaSetV2:QuotaSetV2",
        f"{name}-quotas-compute",
        parent=quotas,
        provider=provider,
        projectId=project_id,
        cores=64,
        ram=131072,
        instances=30,
        region=home,
    )
    b.add(
        "openstack:networking/quotaV2:QuotaV2",
        f"{name}-quotas-network",
        parent=quotas,
        provider=provider,
        projectId=project_id,
        network=5,
        subnet=10,
        port=200,
        router=1,
        securityGroup=20,
        floatingip=4,
        region=home,
    )
    b.add(
        "openstack:blockstorage/quoteSetV3:QuoteSetV3",
        f"{name}-quotas-block-storage",
        parent=quotas,
        provider=provider,
        projectId=project_id,
        volumes=100,
        gigabytes=5000,
        snapshots=100,
        backups=100,
        region=home,
    )
    networking = b.add("govcloud:index:Networking", f"{name}-networking", parent=component)
    common = {"parent": networking, "provider": provider, "tenantId": project_id, "region": home}
    b.add("openstack:networking/router:Router", f"{name}-router", name=f"{name}-router", tags=tags, **common)
    b.add(
        "openstack:networking/secGroup:SecGroup",
        f"{name}-default-sg",
        name=f"{name}-default",
        deleteDefaultRules=True,
        tags=tags,
        **common,
    )
    rule = {"securityGroupId": f"{name}-sg-id", **common}
    b.add(
        "openstack:networking/secGroupRule:SecGroupRule",
        f"{name}-sg-icmpv6-in",
        direction="ingress",
        ethertype="IPv6",
        protocol="ipv6-icmp",
        **rule,
    )
    b.add(
        "openstack:networking/secGroupRule:SecGroupRule",
        f"{name}-sg-ipv6-group-in",
        direction="ingress",
        ethertype="IPv6",
        remoteGroupId=f"{name}-sg-id",
        **rule,
    )
    b.add(
        "openstack:networking/secGroupRule:SecGroupRule",
        f"{name}-sg-https-in",
        direction="ingress",
        ethertype="IPv6",
        protocol="tcp",
        portRangeMin=443,
        portRangeMax=443,
        remoteIpPrefix="::/0",
        **rule,
    )
    for net, ipv6, ipv4 in networks:
        holder = b.add("govcloud:index:Network", f"{name}-networking-{net}", parent=networking)
        own = {**common, "parent": holder}
        stack = "dual-stack" if ipv4 else "ipv6-only"
        b.add(
            "openstack:networking/network:Network",
            f"{name}-{net}-net",
            name=net,
            adminStateUp=True,
            tags=[*tags, f"ip-stack:{stack}"],
            **own,
        )
        b.add(
            "openstack:networking/subnet:Subnet",
            f"{name}-{net}-ipv6",
            name=f"{net}-ipv6",
            networkId=f"{name}-{net}-net-id",
            ipVersion=6,
            cidr=ipv6,
            ipv6RaMode="slaac",
            ipv6AddressMode="slaac",
            tags=tags,
            **own,
        )
        if ipv4:
            b.add(
                "openstack:networking/subnet:Subnet",
                f"{name}-{net}-ipv4",
                name=f"{net}-ipv4",
                networkId=f"{name}-{net}-net-id",
                ipVersion=4,
                cidr=ipv4,
                enableDhcp=True,
                tags=tags,
                **own,
            )
    if replicas:
        backup = b.add("govcloud:index:BackupReplicas", f"{name}-backup", parent=component)
        chain = [("shenyang", f"{name}-backup")] + [
            ("dalian", f"{name}-backup-r{i}") for i in range(1, replicas + 1)
        ]
        for position, (where, container) in enumerate(chain):
            following = chain[position + 1] if position + 1 < len(chain) else None
            sync_to = (
                {"containerSyncTo": f"//govcloud/{following[0]}/AUTH_x/{following[1]}"} if following else {}
            )
            logical = f"{name}-backup-{'primary' if position == 0 else f'replica-{position}'}"
            b.add(
                "openstack:objectstorage/container:Container",
                f"{logical}-versions",
                parent=backup,
                provider=provider,
                name=f"{container}-versions",
                metadata={"tenant": name, "classification": level, "versions-of": container},
                region=where,
            )
            b.add(
                "openstack:objectstorage/container:Container",
                logical,
                parent=backup,
                provider=provider,
                secret=[("containerSyncKey",)],
                name=container,
                versioningLegacy={"type": "history", "location": f"{container}-versions"},
                containerSyncKey="[secret]",
                metadata={"tenant": name, "classification": level, "replica": str(position)},
                region=where,
                **sync_to,
            )
    if encrypted:
        encryption = b.add("govcloud:index:Encryption", f"{name}-encryption", parent=component)
        volume_type = b.add(
            "openstack:blockstorage/volumeTypeV3:VolumeTypeV3",
            f"{name}-encryption-volume-type",
            parent=encryption,
            provider=provider,
            name=f"{name}-encrypted",
            isPublic=False,
            region=home,
        )
        b.add(
            "pulumi-python:dynamic/cinder:VolumeTypeEncryption",
            f"{name}-encryption-volume-type-encryption",
            parent=encryption,
            secret=[("__provider",)],
            links={"volumeTypeId": volume_type},
            volumeTypeId=f"{name}-volume-type-id",
            region=home,
            fields={"provider": "luks", "__provider": "[secret]"},
            cipher="aes-xts-plain64",
            keySize=256,
            controlLocation="front-end",
        )


def compliant_cloud() -> list[PolicyInput]:
    b = Builder()
    shenyang = region(b, "shenyang", "2001:db8:1000::/40", "10.16.0.0/12")
    region(b, "dalian", "2001:db8:2000::/40", None)
    tenant(
        b,
        "health",
        "core",
        shenyang,
        [("his", "2001:db8:1001::/64", "10.16.16.0/24"), ("records", "2001:db8:1001:1::/64", None)],
        replicas=2,
        encrypted=True,
    )
    tenant(b, "transport", "general", shenyang, [("traffic", "2001:db8:1003::/64", None)])
    return b.resources


def named(resources: Sequence[PolicyInput], name: str) -> PolicyInput:
    custom = ("openstack:", "pulumi-python:dynamic")
    matches = [r for r in resources if r.name == name and r.type.startswith(custom)]
    assert len(matches) == 1, f"{len(matches)} custom resources are called {name!r}"
    return matches[0]


def with_props(resources: Sequence[PolicyInput], name: str, **changes: Any) -> list[PolicyInput]:
    """The resources with one resource's props changed; ``DELETE`` removes a prop."""
    target = named(resources, name)
    props = {**target.props, **changes}
    props = {k: v for k, v in props.items() if v is not DELETE}
    return [replace(r, props=props) if r is target else r for r in resources]


def without(resources: Sequence[PolicyInput], *names: str) -> list[PolicyInput]:
    gone = {named(resources, n).urn for n in names}
    return [r for r in resources if r.urn not in gone]


DELETE: Any = _DELETE
