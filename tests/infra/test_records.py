"""The small pure pieces of the program and the preview: unit conversions, sync targets, masking, URNs."""

from __future__ import annotations

from pathlib import Path

from pulumi.runtime import rpc

from infra.cloud import region_level
from infra.preview import MASK, mask_secrets, urn_label
from infra.quota import nova_ram_mib, swift_quota_metadata
from infra.replica import container_name
from stacks import load_stack
from stacks.classification import Level
from stacks.replica import backup_plan

STACKS = Path(__file__).resolve().parents[2] / "stacks"


def test_quota_units() -> None:
    assert nova_ram_mib(192) == 196_608
    assert swift_quota_metadata(20 * 2**40) == {"Quota-Bytes": "21990232555520"}


def test_container_names_number_the_replicas() -> None:
    assert [container_name("health", i) for i in range(3)] == [
        "health-backup",
        "health-backup-r1",
        "health-backup-r2",
    ]


def test_secrets_are_masked_wherever_they_sit_and_their_paths_kept() -> None:
    inputs = {
        "name": "c",
        "containerSyncKey": rpc.wrap_rpc_secret("k"),
        "metadata": {"a": "1", "token": rpc.wrap_rpc_secret("t")},
        "refs": [{"x": 1}, rpc.wrap_rpc_secret({"nested": "s"})],
    }
    masked, paths = mask_secrets(inputs)
    assert masked == {
        "name": "c",
        "containerSyncKey": MASK,
        "metadata": {"a": "1", "token": MASK},
        "refs": [{"x": 1}, MASK],
    }
    assert sorted(paths, key=str) == sorted(
        [("containerSyncKey",), ("metadata", "token"), ("refs", 1)], key=str
    )


def test_urn_label_is_the_last_type_and_the_name() -> None:
    urn = "urn:pulumi:dev::govcloud::govcloud:index:Tenant$govcloud:index:Quotas::health-quotas"
    assert urn_label(urn) == "govcloud:index:Quotas::health-quotas"
    assert urn_label("") == ""


def test_region_level_is_the_most_sensitive_data_held_there() -> None:
    spec = load_stack(STACKS / "dev.yaml").spec
    plans = {t.name: backup_plan(spec, t) for t in spec.tenants}
    assert region_level(spec, "shenyang", plans) is Level.CORE
    assert region_level(spec, "dalian", plans) is Level.CORE  # core replicas live there
    only_general = {name: plan for name, plan in plans.items() if name == "transport"}
    general_spec = spec.model_copy(update={"tenants": (spec.tenant("transport"),)})
    assert region_level(general_spec, "dalian", only_general) is Level.GENERAL
