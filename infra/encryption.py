"""Encryption at rest for core data: a private encrypted volume type and a Barbican key per tenant.

pulumi-openstack 5.x has no resource for Cinder's volume-type encryption API, so the encryption is a
dynamic resource (``infra/volume_encryption.py``) that calls that API; the same LUKS settings also ride
along as ``govcloud:``-scoped extra specs (ignored by Cinder's scheduler) so the policy pack can see them
on the volume type itself. The key is a Barbican order: Barbican generates the AES key itself, so no key
material ever passes through Pulumi state.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_openstack as openstack
from pulumi import Input, ResourceOptions

from infra.region import RegionalCloud
from infra.volume_encryption import EncryptionSettings, VolumeTypeEncryption

LUKS = EncryptionSettings()
ENCRYPTION_SPEC: dict[str, str] = {
    "govcloud:encryption_provider": LUKS.provider,
    "govcloud:encryption_cipher": LUKS.cipher,
    "govcloud:encryption_key_size": str(LUKS.key_size),
    "govcloud:encryption_control_location": LUKS.control_location,
}


@dataclass(frozen=True)
class EncryptionArgs:
    """What a core tenant's encrypted volume type and Barbican key need."""

    tenant: str
    project_id: Input[str]
    region: RegionalCloud
    barbican_key: bool = True


class CoreEncryption(pulumi.ComponentResource):
    """A volume type only this tenant may use, its LUKS encryption (Cinder) and its Barbican key."""

    def __init__(self, name: str, args: EncryptionArgs, opts: ResourceOptions | None = None) -> None:
        super().__init__("govcloud:index:Encryption", name, None, opts)
        region = args.region
        own = region.child_opts(self)
        volume_type = openstack.blockstorage.VolumeTypeV3(
            f"{name}-volume-type",
            name=f"{args.tenant}-encrypted",
            description=f"LUKS-encrypted volumes of {args.tenant} (core data)",
            is_public=False,
            extra_specs=ENCRYPTION_SPEC,
            region=region.region_name,
            opts=own,
        )
        VolumeTypeEncryption(
            f"{name}-volume-type-encryption",
            volume_type_id=volume_type.id,
            region=region.region_name,
            settings=LUKS,
            opts=ResourceOptions(parent=self),
        )
        openstack.blockstorage.VolumeTypeAccessV3(
            f"{name}-volume-type-access",
            project_id=args.project_id,
            volume_type_id=volume_type.id,
            region=region.region_name,
            opts=own,
        )
        self.volume_type_id = volume_type.id
        if not args.barbican_key:
            self.key_ref = None
            self.register_outputs({"volumeTypeId": volume_type.id, "keyRef": None})
            return
        key = openstack.keymanager.OrderV1(
            f"{name}-key",
            type="key",
            meta=openstack.keymanager.OrderV1MetaArgs(
                algorithm="aes",
                bit_length=256,
                mode="xts",
                name=f"{args.tenant}-volume-key",
                payload_content_type="application/octet-stream",
            ),
            region=region.region_name,
            opts=own,
        )
        self.volume_type_id = volume_type.id
        self.key_ref = key.secret_ref
        self.register_outputs({"volumeTypeId": volume_type.id, "keyRef": key.secret_ref})
