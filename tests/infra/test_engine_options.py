"""Offline checks of what the engine tests exercise for real: aliases of a renamed tenant, provider config."""

from __future__ import annotations

from typing import Any

import pulumi

from infra.provider_config import provider_args, sdk_args
from infra.tenant import former_name_options


def _transform(name: str, former: tuple[str, ...], resource_name: str) -> list[Any]:
    transform = former_name_options(name, former).transformations[0]  # type: ignore[index]
    args = pulumi.ResourceTransformationArgs(None, "t", resource_name, {}, pulumi.ResourceOptions())  # type: ignore[arg-type]
    result = transform(args)
    return [] if result is None else list(result.opts.aliases or [])


def test_every_resource_named_after_the_tenant_answers_to_each_former_name() -> None:
    aliases = _transform("health-commission", ("health", "hc"), "health-commission-networking-his")
    assert [a.name for a in aliases] == ["health-networking-his", "hc-networking-his"]
    assert [a.name for a in _transform("health-commission", ("health",), "health-commission")] == ["health"]
    assert _transform("health-commission", ("health",), "shenyang-ipv6-pool") == []


class _Config:
    def __init__(self, values: dict[str, str]) -> None:
        self.values = values

    def get(self, key: str) -> str | None:
        return self.values.get(key)

    def get_secret(self, key: str) -> str | None:
        return self.values.get(key)

    def get_bool(self, key: str) -> bool | None:
        return None if key not in self.values else self.values[key] == "true"


def test_openstack_config_reaches_the_provider_and_openstacksdk_under_their_own_names() -> None:
    values = {"authUrl": "http://k:5000/v3", "userName": "admin", "tenantName": "admin", "insecure": "true"}
    assert provider_args(_Config(values)) == {
        "auth_url": "http://k:5000/v3",
        "user_name": "admin",
        "tenant_name": "admin",
        "insecure": True,
    }
    full = {f"openstack:{k}": v for k, v in values.items()} | {"openstack:region": "elsewhere"}
    assert sdk_args(full.get) == {
        "auth_url": "http://k:5000/v3",
        "username": "admin",
        "project_name": "admin",
        "verify": False,
    }
