"""The program's volume-type encryption provider against the box's real Cinder API."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from infra.encryption import LUKS
from infra.volume_encryption import CinderEncryptionProvider, encryption_inputs
from tests.openstack import openstack_box as box

pytestmark = pytest.mark.openstack


def test_encryption_provider_creates_and_deletes_cinder_volume_type_encryption(
    openstack_box: box.BoxEnv, os_conn: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The provider authenticates from the environment, as in the engine; the region comes from its inputs.
    for name, value in openstack_box.environ.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("OS_REGION_NAME")
    volume_type = os_conn.block_storage.create_type(name=f"core-{uuid.uuid4().hex[:8]}", is_public=False)
    try:
        props = encryption_inputs(volume_type.id, openstack_box.region, LUKS)
        provider = CinderEncryptionProvider()
        created = provider.create(props)
        read = os_conn.block_storage.get_type_encryption(volume_type.id)
        assert created.id == read.encryption_id
        assert (read.provider, read.cipher, read.key_size, read.control_location) == (
            "luks",
            "aes-xts-plain64",
            256,
            "front-end",
        )
        assert created.outs == props
        provider.delete(created.id, props)
        assert not os_conn.block_storage.get_type_encryption(volume_type.id).encryption_id
    finally:
        os_conn.block_storage.delete_type(volume_type)
