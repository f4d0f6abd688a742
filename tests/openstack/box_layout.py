"""The box's fixed layout: ports, regions, service users and databases; how to reach a running box.

Only the standard library: the box's modules also run under Debian's ``/usr/bin/python3``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SYSTEM_PYTHON = "/usr/bin/python3"
COMMON_DIR = Path(os.environ.get("GOVCLOUD_OPENSTACK_COMMON", "/var/lib/govcloud-openstack/common"))
INSTALL_SCRIPT = Path(__file__).with_name("install.sh")

REGION = "shenyang"
PASSWORD = "govcloud-box"
HOST = "127.0.0.1"
PORTS = {
    "keystone": 5000,
    "placement": 8778,
    "glance": 9292,
    "neutron": 9696,
    "cinder": 8776,
    "nova": 8774,
    "rabbitmq": 5672,
    "epmd": 4369,
    "mariadb": 13306,
}
# Swift: one single-replica cluster per region, each a proxy and account/container/object servers.
SWIFT_REGIONS = ("shenyang", "dalian")
SWIFT_PORTS = {
    "shenyang": {"proxy": 8080, "object": 6200, "container": 6201, "account": 6202},
    "dalian": {"proxy": 8081, "object": 6210, "container": 6211, "account": 6212},
}
SWIFT_SERVERS = ("account", "container", "object")
SYNC_REALM = "govcloud"
"""The container-sync realm; the Pulumi program's default ``syncRealm``."""
SYNC_INTERVAL = 1.0
# compute host -> availability zone; the zones are the dev stack's primary-region zones.
COMPUTES = {"compute1": "sy-az1", "compute2": "sy-az2", "compute3": "sy-az3"}
# cinder-volume backend -> its storage availability zone: Cinder's fake driver (volumes are rows, no
# disks), two zones named like the compute zones so the audit's volume residency can be tried.
VOLUME_BACKENDS = {"store1": "sy-az1", "store3": "sy-az3"}
SERVICE_USERS = ("nova", "placement", "neutron", "glance", "cinder", "swift")
READY_TIMEOUT = 180.0

DATABASES = ("keystone", "placement", "glance", "neutron", "cinder", "nova_api", "nova", "nova_cell0")
DB_USER = "govcloud"


class BoxError(RuntimeError):
    """The box could not be brought up; the message carries the failing service's log tail."""


@dataclass(frozen=True)
class BoxEnv:
    """How to reach a running box: the admin credentials as ``OS_*`` variables."""

    directory: Path
    auth_url: str
    region: str
    computes: Mapping[str, str]
    timings: Mapping[str, float] = field(default_factory=dict)

    @property
    def environ(self) -> dict[str, str]:
        return {
            "OS_AUTH_URL": self.auth_url,
            "OS_USERNAME": "admin",
            "OS_PASSWORD": PASSWORD,
            "OS_PROJECT_NAME": "admin",
            "OS_USER_DOMAIN_NAME": "Default",
            "OS_PROJECT_DOMAIN_NAME": "Default",
            "OS_REGION_NAME": self.region,
            "OS_IDENTITY_API_VERSION": "3",
            "OS_INTERFACE": "public",
        }

    def connect(self, **overrides: str) -> Any:
        """An openstacksdk connection as the admin (or another user/project via ``overrides``)."""
        import openstack  # only where openstacksdk is installed (the tests' venv)

        settings = {
            "auth_url": self.auth_url,
            "username": "admin",
            "password": PASSWORD,
            "project_name": "admin",
            "user_domain_name": "Default",
            "project_domain_name": "Default",
            "region_name": self.region,
            **overrides,
        }
        return openstack.connect(**settings)
