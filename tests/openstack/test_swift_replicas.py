"""Backup replicas as the Pulumi program declares them, on the box's two Swift regions with container sync.

The program (``infra/replica.py``) runs under mocks for one important tenant of the dev stack; its
recorded containers (names, metadata, ACLs, sync target, sync key, versioning) and the account byte
quota (``infra/quota.py``) are turned into the Swift requests the provider would send, against the real
clusters ``shenyang`` and ``dalian``. Every case works in an account of its own, so the program's
container names can be reused.

Swift skips object-versioned containers (``X-Versions-Enabled``, which the provider's ``versioning=True``
sets) in container sync: a primary declared that way would never reach its replica. So the program
declares history mode (``X-History-Location``, a ``<container>-versions`` container beside each), which
keeps current objects in the container and syncs; one test here pins the Swift behaviour behind that.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from infra.cloud import CloudOptions, build_cloud
from infra.preview import MASK, Preview, RecordedResource, run_mocked
from stacks import load_stack
from tests.openstack import box_layout
from tests.openstack import openstack_box as box

pytestmark = pytest.mark.openstack

TENANT = "edu"
SYNC_KEY = "box-sync-key-" + "x" * 35
CONTAINER = "openstack:objectstorage/container:Container"
ACCOUNT = "openstack:objectstorage/accountV1:AccountV1"
SYNC_DEADLINE = 30.0


@pytest.fixture(scope="module")
def declared() -> Preview:
    """What the program declares for the tenant, with a sync key from config (so the test knows it)."""
    stack = load_stack("stacks/dev.yaml")

    def program() -> None:
        build_cloud(stack.spec, CloudOptions(sync_key=SYNC_KEY), tenants=[TENANT])

    return run_mocked(program, stack.name)


@dataclass(frozen=True)
class Chain:
    primary: RecordedResource
    replica: RecordedResource
    versions: Mapping[str, RecordedResource]
    """The containers holding old versions, by the name of the container they serve."""


@pytest.fixture(scope="module")
def chain(declared: Preview) -> Chain:
    containers = [r for r in declared.of_type(CONTAINER) if r.inputs["metadata"]["tenant"] == TENANT]
    by_replica = {r.inputs["metadata"]["replica"]: r for r in containers if "replica" in r.inputs["metadata"]}
    versions = {
        r.inputs["metadata"]["versions-of"]: r for r in containers if "versions-of" in r.inputs["metadata"]
    }
    assert set(by_replica) == {"0", "1"}, "an important tenant has one off-site replica"
    return Chain(by_replica["0"], by_replica["1"], versions)


class SwiftAccount:
    """One Swift account in one region, through openstacksdk's object-store endpoint for that region."""

    def __init__(self, conn: Any, account: str) -> None:
        self.conn = conn
        self.account = account
        self.base = conn.object_store.get_endpoint().rsplit("/", 1)[0] + "/" + account

    def put(self, path: str, headers: Mapping[str, str], data: bytes | None = None) -> None:
        response = self.conn.object_store.put(f"{self.base}/{path}", headers=dict(headers), data=data)
        assert response.status_code in (201, 202), f"PUT {path}: {response.status_code} {response.text}"

    def head(self, path: str = "") -> Mapping[str, str]:
        response = self.conn.object_store.head(f"{self.base}/{path}")
        assert response.status_code in (200, 204), f"HEAD {path}: {response.status_code}"
        return response.headers

    def get(self, path: str) -> bytes | None:
        response = self.conn.object_store.get(f"{self.base}/{path}", raise_exc=False)
        if response.status_code == 404:
            return None
        assert response.status_code == 200, f"GET {path}: {response.status_code}"
        return bytes(response.content)

    def listing(self, container: str) -> list[str]:
        response = self.conn.object_store.get(f"{self.base}/{container}", params={"format": "json"})
        return [entry["name"] for entry in response.json()]

    def post(self, headers: Mapping[str, str]) -> None:
        response = self.conn.object_store.post(self.base, headers=dict(headers))
        assert response.status_code == 204, f"POST account: {response.status_code} {response.text}"


LEGACY_VERSIONING = {"history": "X-History-Location", "versions": "X-Versions-Location"}
"""The header the provider sends for each ``versioningLegacy.type``."""


def container_headers(resource: RecordedResource, account: str) -> dict[str, str]:
    """The headers the provider sends for a recorded container, its sync target moved to ``account``."""
    inputs = resource.inputs
    headers = {
        "X-Container-Read": inputs["containerRead"],
        **{f"X-Container-Meta-{key}": value for key, value in inputs["metadata"].items()},
    }
    if "containerSyncKey" in inputs:
        assert inputs["containerSyncKey"] == MASK and resource.is_secret("containerSyncKey")
        headers["X-Container-Sync-Key"] = SYNC_KEY
    if "versioningLegacy" in inputs:
        legacy = inputs["versioningLegacy"]
        headers[LEGACY_VERSIONING[legacy["type"]]] = legacy["location"]
    if "containerWrite" in inputs:
        headers["X-Container-Write"] = inputs["containerWrite"]
    if "containerSyncTo" in inputs:
        realm, cluster, _mock_account, target = inputs["containerSyncTo"].removeprefix("//").split("/")
        headers["X-Container-Sync-To"] = f"//{realm}/{cluster}/{account}/{target}"
    return headers


OBJECT_VERSIONING = {"X-Versions-Enabled": "true"}
"""What the provider's ``versioning=True`` sends (Swift's newer object versioning)."""


def new_account() -> str:
    return f"AUTH_{uuid.uuid4().hex}"


def regions(openstack_box: box.BoxEnv, account: str) -> tuple[SwiftAccount, SwiftAccount]:
    home, backup = (SwiftAccount(openstack_box.connect(region_name=r), account) for r in box.SWIFT_REGIONS)
    return home, backup


def poll(what: str, found: Callable[[], bool], deadline: float = SYNC_DEADLINE) -> float:
    """Seconds until ``found`` holds; fails after ``deadline``."""
    start = time.monotonic()
    while not found():
        if time.monotonic() - start > deadline:
            pytest.fail(f"{what} not seen within {deadline:.0f} s")
        time.sleep(0.2)
    return time.monotonic() - start


def sync_log(openstack_box: box.BoxEnv, region: str) -> str:
    return (openstack_box.directory / "log" / f"swift-{region}-container-sync.log").read_text(
        errors="replace"
    )


def create_chain(
    home: SwiftAccount, backup: SwiftAccount, chain: Chain, versioning: Mapping[str, str] | None = None
) -> tuple[str, str]:
    """Replica first, then the primary that syncs to it, each after the versions container it names.

    ``versioning`` replaces the declared versioning headers (to show what another mode would do).
    """
    names: list[str] = []
    for where, resource in ((backup, chain.replica), (home, chain.primary)):
        name = str(resource.inputs["name"])
        headers = container_headers(resource, home.account)
        if versioning is None:
            versions = chain.versions[name]
            where.put(str(versions.inputs["name"]), container_headers(versions, home.account))
        else:
            headers = {k: v for k, v in headers.items() if k not in LEGACY_VERSIONING.values()}
            headers.update(versioning)
        where.put(name, headers)
        names.append(name)
    replica, primary = names
    return primary, replica


def test_program_declares_the_regions_the_box_runs(chain: Chain) -> None:
    assert chain.primary.region == box.SWIFT_REGIONS[0] and chain.replica.region == box.SWIFT_REGIONS[1]
    realm, cluster, _, target = chain.primary.inputs["containerSyncTo"].removeprefix("//").split("/")
    assert (realm, cluster, target) == (
        box_layout.SYNC_REALM,
        chain.replica.region,
        chain.replica.inputs["name"],
    )
    assert "containerSyncTo" not in chain.replica.inputs, "the last link of the chain syncs nowhere"


def test_declared_containers_read_back(openstack_box: box.BoxEnv, chain: Chain) -> None:
    account = new_account()
    home, backup = regions(openstack_box, account)
    primary, replica = create_chain(home, backup, chain)
    for where, resource, name in ((home, chain.primary, primary), (backup, chain.replica, replica)):
        sent = container_headers(resource, account)
        assert sent["X-History-Location"] == f"{name}-versions"
        read = where.head(name)
        for header, value in sent.items():
            assert read.get(header) == value, header


def test_object_versioned_primary_is_skipped_by_container_sync(
    openstack_box: box.BoxEnv, chain: Chain
) -> None:
    """Why the program declares history versioning: the newer object versioning never syncs."""
    account = new_account()
    home, backup = regions(openstack_box, account)
    primary, replica = create_chain(home, backup, chain, OBJECT_VERSIONING)
    home.put(f"{primary}/skipped.txt", {}, b"never leaves shenyang")
    skipped = f"Skipping versioning symlink {account}/{primary}/skipped.txt"
    poll(
        "the sync daemon skipping the versioned object",
        lambda: skipped in sync_log(openstack_box, "shenyang"),
    )
    assert backup.get(f"{replica}/skipped.txt") is None


def test_replica_receives_the_object_in_the_other_region(openstack_box: box.BoxEnv, chain: Chain) -> None:
    account = new_account()
    home, backup = regions(openstack_box, account)
    primary, replica = create_chain(home, backup, chain)
    body = uuid.uuid4().bytes * 1024
    home.put(f"{primary}/dump.bin", {"Content-Type": "application/octet-stream"}, body)
    home.put(f"{primary}/dump.bin", {"Content-Type": "application/octet-stream"}, body[::-1])
    seconds = poll("the object in dalian", lambda: backup.get(f"{replica}/dump.bin") == body[::-1])
    print(f"\ncontainer sync shenyang -> dalian: {seconds:.1f} s")
    (archived,) = home.listing(f"{primary}-versions")
    assert home.get(f"{primary}-versions/{archived}") == body, "the overwritten version is kept at home"


def test_replica_with_another_key_receives_nothing(openstack_box: box.BoxEnv, chain: Chain) -> None:
    account = new_account()
    home, backup = regions(openstack_box, account)
    primary, replica = chain.primary.inputs["name"], chain.replica.inputs["name"]
    wrong = container_headers(chain.replica, account)
    wrong["X-Container-Sync-Key"] = SYNC_KEY[::-1]
    for where, name, headers in (
        (backup, replica, wrong),
        (home, primary, container_headers(chain.primary, account)),
    ):
        where.put(f"{name}-versions", {})
        where.put(name, headers)
    home.put(f"{primary}/secret.txt", {}, b"for the right key only")
    refused = f"Unauth '{account}/{primary}' => "
    poll("the peer refusing the sync", lambda: refused in sync_log(openstack_box, "shenyang"))
    assert backup.get(f"{replica}/secret.txt") is None


def test_account_byte_quota_read_back(openstack_box: box.BoxEnv, declared: Preview) -> None:
    (quota,) = declared.of_type(ACCOUNT)
    assert declared.by_id()[quota.inputs["projectId"]].inputs["name"] == TENANT
    metadata: dict[str, str] = dict(quota.inputs["metadata"])
    # The tenant's own project and a member of it: reseller admins are exempt from account quotas.
    admin = openstack_box.connect()
    project = admin.identity.create_project(name=f"{TENANT}-{uuid.uuid4().hex[:8]}", domain_id="default")
    password = uuid.uuid4().hex
    user = admin.identity.create_user(name=project.name, password=password, domain_id="default")
    admin.identity.assign_project_role_to_user(project, user, admin.identity.find_role("member"))
    account = f"AUTH_{project.id}"
    home = SwiftAccount(admin, account)
    home.post({f"X-Account-Meta-{key}": value for key, value in metadata.items()})
    read = home.head()
    assert {key: read.get(f"X-Account-Meta-{key}") for key in metadata} == metadata

    member = SwiftAccount(
        openstack_box.connect(username=user.name, password=password, project_name=project.name), account
    )
    member.put("uploads", {})
    member.put("uploads/fits", {}, b"x" * 11)
    # account_quotas enforces the quota, not only stores it: below an upload's size, it refuses it. (The
    # bytes already stored reach the account through the container updater, which the box does not run.)
    home.post({"X-Account-Meta-Quota-Bytes": "10"})
    response = member.conn.object_store.put(f"{member.base}/uploads/more", data=b"x" * 11, raise_exc=False)
    assert response.status_code == 413, f"{response.status_code} {response.text}"
