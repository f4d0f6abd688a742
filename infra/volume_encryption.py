"""Cinder volume-type encryption, which pulumi-openstack has no resource for, as a dynamic resource.

The provider speaks to Cinder's ``/types/{id}/encryption`` API through openstacksdk. It authenticates
as the program's openstack providers do: with the stack's ``openstack:*`` config, which the engine hands
to :meth:`CinderEncryptionProvider.configure` (``infra/provider_config.py``), and for what that leaves
unset ``OS_CLOUD`` / ``clouds.yaml`` or the ``OS_*`` variables. Its region comes from its own inputs,
never from the config or the environment. ``read`` reads the encryption back, so ``pulumi refresh``
sees a changed or deleted encryption.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi.dynamic
from pulumi import Input, ResourceOptions

from infra.provider_config import sdk_args


@dataclass(frozen=True)
class EncryptionSettings:
    """LUKS settings of an encrypted volume type, as Cinder names them."""

    provider: str = "luks"
    cipher: str = "aes-xts-plain64"
    key_size: int = 256
    control_location: str = "front-end"


def encryption_inputs(
    volume_type_id: Input[str], region: str, settings: EncryptionSettings
) -> dict[str, Any]:
    """The dynamic resource's inputs (what its provider receives as ``props``)."""
    return {
        "volumeTypeId": volume_type_id,
        "region": region,
        "provider": settings.provider,
        "cipher": settings.cipher,
        "keySize": settings.key_size,
        "controlLocation": settings.control_location,
    }


SETTINGS_KEYS = ("provider", "cipher", "keySize", "controlLocation")


def _connection(region: str, auth: Mapping[str, Any] | None = None) -> Any:
    import openstack  # the engine's provider process imports it; the program itself never connects

    return openstack.connect(region_name=region, **dict(auth or {}))


class CinderEncryptionProvider(pulumi.dynamic.ResourceProvider):
    """Creates, reads and deletes the encryption of one volume type (its id is the encryption's id)."""

    def __init__(self) -> None:
        super().__init__()
        self.auth: dict[str, Any] = {}

    def configure(self, req: pulumi.dynamic.ConfigureRequest) -> None:
        """The stack's ``openstack:*`` credentials (the engine passes the whole stack config)."""
        self.auth = sdk_args(req.config.get)

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        conn = _connection(props["region"], self.auth)
        encryption = conn.block_storage.create_type_encryption(
            props["volumeTypeId"],
            provider=props["provider"],
            cipher=props["cipher"],
            key_size=int(props["keySize"]),
            control_location=props["controlLocation"],
        )
        return pulumi.dynamic.CreateResult(id_=encryption.encryption_id, outs=dict(props))

    def read(self, id_: str, props: dict[str, Any]) -> pulumi.dynamic.ReadResult:
        """Cinder's encryption of the type as it is now; an empty id when it is gone (refresh drops it)."""
        conn = _connection(props["region"], self.auth)
        found = conn.block_storage.get_type_encryption(props["volumeTypeId"])
        if not getattr(found, "encryption_id", None):
            return pulumi.dynamic.ReadResult(id_="", outs={})
        outs = dict(props)
        outs.update(
            provider=found.provider,
            cipher=found.cipher,
            keySize=int(found.key_size) if found.key_size is not None else None,
            controlLocation=found.control_location,
        )
        return pulumi.dynamic.ReadResult(id_=found.encryption_id, outs=outs)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        conn = _connection(props["region"], self.auth)
        conn.block_storage.delete_type_encryption(volume_type=props["volumeTypeId"], ignore_missing=True)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        keys = ("volumeTypeId", "region", "provider", "cipher", "keySize", "controlLocation")
        changed = [k for k in keys if olds.get(k) != news.get(k)]
        # Cinder refuses to change the encryption of a type in use: any change replaces it.
        return pulumi.dynamic.DiffResult(changes=bool(changed), replaces=changed, delete_before_replace=True)


class VolumeTypeEncryption(pulumi.dynamic.Resource, module="cinder", name="VolumeTypeEncryption"):
    """The encryption of one Cinder volume type (``pulumi-python:dynamic/cinder:VolumeTypeEncryption``)."""

    def __init__(
        self,
        name: str,
        volume_type_id: Input[str],
        region: str,
        settings: EncryptionSettings = EncryptionSettings(),
        opts: ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            CinderEncryptionProvider(), name, encryption_inputs(volume_type_id, region, settings), opts
        )
