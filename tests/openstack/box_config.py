"""The box's configuration files: one ini per service, Swift's rings and container-sync realms."""

from __future__ import annotations

import base64
import os
import pwd
from collections.abc import Mapping
from pathlib import Path

from tests.openstack.box_layout import (
    COMMON_DIR,
    COMPUTES,
    DB_USER,
    HOST,
    PASSWORD,
    PORTS,
    REGION,
    SWIFT_PORTS,
    SWIFT_REGIONS,
    SWIFT_SERVERS,
    SYNC_INTERVAL,
    SYNC_REALM,
    SYSTEM_PYTHON,
    VOLUME_BACKENDS,
)

# Configuration


def ini_text(sections: Mapping[str, Mapping[str, object]]) -> str:
    out: list[str] = []
    for section, values in sections.items():
        out.append(f"[{section}]")
        out.extend(f"{key} = {value}" for key, value in values.items())
        out.append("")
    return "\n".join(out)


def authtoken_section(user: str) -> dict[str, object]:
    return {
        "www_authenticate_uri": f"http://{HOST}:{PORTS['keystone']}/v3",
        "auth_url": f"http://{HOST}:{PORTS['keystone']}/v3",
        "auth_type": "password",
        "username": user,
        "password": PASSWORD,
        "project_name": "service",
        "user_domain_name": "Default",
        "project_domain_name": "Default",
        "region_name": REGION,
    }


def client_auth_section(user: str) -> dict[str, object]:
    auth = authtoken_section(user)
    del auth["www_authenticate_uri"]
    return {**auth, "valid_interfaces": "public"}


def database_url(directory: Path, name: str) -> str:
    """The SQLAlchemy URL of service database ``name`` on the box's MariaDB (row locks, real MVCC)."""
    del directory  # one server per box; the argument keeps the call sites' shape
    return f"mysql+pymysql://{DB_USER}:{PASSWORD}@{HOST}:{PORTS['mariadb']}/{name}?charset=utf8"


def write_configs(d: Path) -> None:
    etc = d / "etc"
    share = COMMON_DIR / "usr" / "share"
    for sub in ("log", "data", "etc", "lock", "state", "images", "keystone"):
        (d / sub).mkdir(parents=True, exist_ok=True)
    lock = {"lock_path": d / "lock"}
    rabbit = f"rabbit://guest:guest@{HOST}:{PORTS['rabbitmq']}/"

    (etc / "keystone.conf").write_text(
        ini_text(
            {
                "DEFAULT": {"use_stderr": "true"},
                "database": {"connection": database_url(d, "keystone")},
                "token": {"provider": "fernet"},
                "fernet_tokens": {"key_repository": d / "keystone" / "fernet-keys"},
                "fernet_receipts": {"key_repository": d / "keystone" / "fernet-keys"},
                "credential": {"key_repository": d / "keystone" / "credential-keys"},
            }
        )
    )
    (etc / "placement.conf").write_text(
        ini_text(
            {
                "DEFAULT": {"use_stderr": "true"},
                "api": {"auth_strategy": "keystone"},
                "placement_database": {"connection": database_url(d, "placement")},
                "keystone_authtoken": authtoken_section("placement"),
            }
        )
    )
    (etc / "glance-api.conf").write_text(
        ini_text(
            {
                "DEFAULT": {
                    "bind_host": HOST,
                    "bind_port": PORTS["glance"],
                    "workers": 1,
                    "enabled_backends": "fs:file",
                    "use_stderr": "true",
                },
                "database": {"connection": database_url(d, "glance")},
                "keystone_authtoken": authtoken_section("glance"),
                "paste_deploy": {
                    "flavor": "keystone",
                    "config_file": share / "glance-common" / "glance-api-paste.ini",
                },
                "glance_store": {"default_backend": "fs"},
                "fs": {"filesystem_store_datadir": d / "images"},
                "os_glance_staging_store": {"filesystem_store_datadir": d / "state" / "glance-staging"},
                "os_glance_tasks_store": {"filesystem_store_datadir": d / "state" / "glance-tasks"},
                "oslo_concurrency": lock,
            }
        )
    )
    (etc / "neutron.conf").write_text(
        ini_text(
            {
                "DEFAULT": {
                    "bind_host": HOST,
                    "bind_port": PORTS["neutron"],
                    "core_plugin": "ml2",
                    "service_plugins": "router",
                    "api_workers": 1,
                    "rpc_workers": 0,
                    "rpc_state_report_workers": 0,
                    "transport_url": "fake://",
                    "auth_strategy": "keystone",
                    "api_paste_config": share / "neutron-common" / "api-paste.ini",
                    "allow_overlapping_ips": "true",
                    "notify_nova_on_port_status_changes": "false",
                    "notify_nova_on_port_data_changes": "false",
                    "state_path": d / "state",
                    "use_stderr": "true",
                },
                "database": {"connection": database_url(d, "neutron")},
                "keystone_authtoken": authtoken_section("neutron"),
                "ml2": {
                    "type_drivers": "flat,vxlan",
                    "tenant_network_types": "vxlan",
                    "mechanism_drivers": "",
                    "extension_drivers": "port_security",
                },
                "ml2_type_vxlan": {"vni_ranges": "1:1000"},
                "oslo_concurrency": lock,
            }
        )
    )
    (etc / "cinder.conf").write_text(
        ini_text(
            {
                "DEFAULT": {
                    "osapi_volume_listen": HOST,
                    "osapi_volume_listen_port": PORTS["cinder"],
                    "osapi_volume_workers": 1,
                    "auth_strategy": "keystone",
                    "transport_url": rabbit,
                    "api_paste_config": share / "cinder-common" / "api-paste.ini",
                    "state_path": d / "state",
                    "use_stderr": "true",
                    "enabled_backends": ",".join(VOLUME_BACKENDS),
                    # A volume created without a zone lands in the first backend's zone.
                    "default_availability_zone": next(iter(VOLUME_BACKENDS.values())),
                },
                "database": {"connection": database_url(d, "cinder")},
                "keystone_authtoken": authtoken_section("cinder"),
                "oslo_concurrency": lock,
                **{
                    backend: {
                        "volume_driver": "cinder.tests.fake_driver.FakeLoggingVolumeDriver",
                        "volume_backend_name": backend,
                        "backend_availability_zone": zone,
                    }
                    for backend, zone in VOLUME_BACKENDS.items()
                },
            }
        )
    )
    (etc / "nova.conf").write_text(
        ini_text(
            {
                "DEFAULT": {
                    "transport_url": rabbit,
                    # A FakeDriver with a realistic size (10 vCPU, 8 GiB) instead of the default 1000 vCPU.
                    "compute_driver": "fake.MediumFakeDriver",
                    "cpu_allocation_ratio": 4.0,
                    "ram_allocation_ratio": 1.0,
                    "reserved_host_memory_mb": 0,
                    "state_path": d / "state" / "nova",
                    "enabled_apis": "osapi_compute",
                    "osapi_compute_listen": HOST,
                    "osapi_compute_listen_port": PORTS["nova"],
                    "osapi_compute_workers": 1,
                    "my_ip": HOST,
                    "use_stderr": "true",
                    "heal_instance_info_cache_interval": -1,
                },
                "api": {"auth_strategy": "keystone"},
                "wsgi": {"api_paste_config": share / "nova-common" / "api-paste.ini"},
                "api_database": {"connection": database_url(d, "nova_api")},
                "database": {"connection": database_url(d, "nova")},
                "keystone_authtoken": authtoken_section("nova"),
                "placement": client_auth_section("placement"),
                "neutron": client_auth_section("neutron"),
                "glance": {"region_name": REGION, "valid_interfaces": "public"},
                "cinder": {"os_region_name": REGION},
                "conductor": {"workers": 1},
                "scheduler": {"workers": 1, "discover_hosts_in_cells_interval": -1},
                "filter_scheduler": {
                    "enabled_filters": "AvailabilityZoneFilter,ComputeFilter,"
                    "ServerGroupAntiAffinityFilter,ServerGroupAffinityFilter"
                },
                "oslo_concurrency": lock,
                "oslo_messaging_notifications": {"driver": "noop"},
                "vnc": {"enabled": "false"},
                "os_vif_ovs": {},
            }
        )
    )
    for host in COMPUTES:
        (etc / f"{host}.conf").write_text(
            ini_text({"DEFAULT": {"host": host, "instances_path": d / "state" / host}})
        )
    (etc / "nova_cell0_url").write_text(database_url(d, "nova_cell0"))


def swift_dir(d: Path, region: str) -> Path:
    return d / "swift" / region


def write_swift_configs(d: Path) -> None:
    """Per region: swift.conf with its own hash salts, server/proxy/sync configs, the shared realms."""
    realm_key = base64.urlsafe_b64encode(os.urandom(24)).decode()
    clusters = {f"cluster_{r}": f"http://{HOST}:{SWIFT_PORTS[r]['proxy']}/v1/" for r in SWIFT_REGIONS}
    for region in SWIFT_REGIONS:
        sd = swift_dir(d, region)
        ports = SWIFT_PORTS[region]
        for sub in ("srv/sda1", "cache", "run"):
            (sd / sub).mkdir(parents=True, exist_ok=True)
        (sd / "swift.conf").write_text(
            ini_text(
                {
                    "swift-hash": {
                        "swift_hash_path_prefix": os.urandom(8).hex(),
                        "swift_hash_path_suffix": os.urandom(8).hex(),
                    },
                    "storage-policy:0": {"name": "Policy-0", "default": "yes"},
                }
            )
        )
        (sd / "container-sync-realms.conf").write_text(
            ini_text({"DEFAULT": {"mtime_check_interval": 300}, SYNC_REALM: {"key": realm_key, **clusters}})
        )
        common = {
            "swift_dir": sd,
            "devices": sd / "srv",
            "mount_check": "false",
            "bind_ip": HOST,
            "workers": 0,
            "recon_cache_path": sd / "cache",
            "log_name": f"swift-{region}",
            # Swift drops privileges to "swift" by default; servers and sync daemon share one user.
            "user": pwd.getpwuid(os.getuid()).pw_name,
        }
        for server in SWIFT_SERVERS:
            sections: dict[str, dict[str, object]] = {
                "DEFAULT": {**common, "bind_port": ports[server]},
                "pipeline:main": {"pipeline": f"{server}-server"},
                f"app:{server}-server": {"use": f"egg:swift#{server}"},
            }
            if server == "container":
                sections["container-sync"] = {
                    "interval": SYNC_INTERVAL,
                    "internal_client_conf_path": sd / "internal-client.conf",
                }
            (sd / f"{server}-server.conf").write_text(ini_text(sections))
        (sd / "internal-client.conf").write_text(
            ini_text(
                {
                    "DEFAULT": {"swift_dir": sd, "user": common["user"]},
                    "pipeline:main": {"pipeline": "catch_errors proxy-logging symlink proxy-server"},
                    "app:proxy-server": {"use": "egg:swift#proxy", "account_autocreate": "true"},
                    "filter:symlink": {"use": "egg:swift#symlink"},
                    "filter:proxy-logging": {"use": "egg:swift#proxy_logging"},
                    "filter:catch_errors": {"use": "egg:swift#catch_errors"},
                }
            )
        )
        # container_sync sits before auth so that a peer's signed sync request passes without a token.
        pipeline = (
            "catch_errors gatekeeper healthcheck proxy-logging listing_formats container_sync "
            "authtoken keystoneauth copy container_quotas account_quotas versioned_writes symlink "
            "proxy-logging proxy-server"
        )
        (sd / "proxy-server.conf").write_text(
            ini_text(
                {
                    "DEFAULT": {**common, "bind_port": ports["proxy"]},
                    "pipeline:main": {"pipeline": pipeline},
                    "app:proxy-server": {"use": "egg:swift#proxy", "account_autocreate": "true"},
                    "filter:catch_errors": {"use": "egg:swift#catch_errors"},
                    "filter:gatekeeper": {"use": "egg:swift#gatekeeper"},
                    "filter:healthcheck": {"use": "egg:swift#healthcheck"},
                    "filter:proxy-logging": {"use": "egg:swift#proxy_logging"},
                    "filter:listing_formats": {"use": "egg:swift#listing_formats"},
                    "filter:container_sync": {"use": "egg:swift#container_sync"},
                    "filter:authtoken": {
                        "paste.filter_factory": "keystonemiddleware.auth_token:filter_factory",
                        "delay_auth_decision": "true",
                        **authtoken_section("swift"),
                    },
                    "filter:keystoneauth": {
                        "use": "egg:swift#keystoneauth",
                        "operator_roles": "admin, member",
                        "reseller_admin_role": "ResellerAdmin",
                    },
                    "filter:copy": {"use": "egg:swift#copy"},
                    "filter:container_quotas": {"use": "egg:swift#container_quotas"},
                    "filter:account_quotas": {"use": "egg:swift#account_quotas"},
                    "filter:versioned_writes": {
                        "use": "egg:swift#versioned_writes",
                        "allow_versioned_writes": "true",
                        "allow_object_versioning": "true",
                    },
                    "filter:symlink": {"use": "egg:swift#symlink"},
                }
            )
        )


BUILD_RINGS = """
import sys
from swift.common.ring import RingBuilder
host, swift_dir, ports = sys.argv[1], sys.argv[2], sys.argv[3:]
for kind, port in zip(("account", "container", "object"), ports):
    builder = RingBuilder(part_power=6, replicas=1, min_part_hours=0)
    builder.add_dev({"id": 0, "region": 1, "zone": 1, "ip": host, "port": int(port),
                     "device": "sda1", "weight": 100.0})
    builder.rebalance()
    builder.get_ring().save(f"{swift_dir}/{kind}.ring.gz")
"""


def swift_entry(swift_dir: Path, body: str) -> list[str]:
    """argv running ``body`` under Debian's Python with Swift pointed at ``swift_dir``."""
    code = (
        f"import sys\nfrom swift.common.utils import set_swift_dir\nset_swift_dir({str(swift_dir)!r})\n{body}"
    )
    return [SYSTEM_PYTHON, "-c", code]
