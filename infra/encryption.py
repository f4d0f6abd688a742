"""Encryption at rest for core data: a private volume type per tenant with a LUKS encryption spec.

pulumi-openstack 5.x has no resource for Cinder's volume-type encryption API, so the encryption spec is
a dynamic resource (``infra/volume_encryption.py``) that calls that API; the policy pack checks that
resource (``core-data-encrypted``). No key is declared here: for every volume of an encrypted type,
Cinder asks its key manager (Barbican) to create a new key and stores only the key's reference with the
volume, so no key material ever passes through Pulumi state.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_openstack as openstack
from pulumi import Input, ResourceOptions

from infra.region import RegionalCloud
from infra.volume_encryption import EncryptionSettings, VolumeTypeEncryption
from stacks.naming import encrypted_volume_type_name

LUKS = EncryptionSettings()


@dataclass(frozen=True)
class EncryptionArgs:
    """What a core tenant's encrypted volume type needs."""

    tenant: str
    project_id: Input[str]
    region: RegionalCloud


class CoreEncryption(pulumi.ComponentResource):
    """A volume type only this tenant may use and its LUKS encryption spec (Cinder)."""

    def __init__(self, name: str, args: EncryptionArgs, opts: ResourceOptions | None = None) -> None:
        super().__init__("govcloud:index:Encryption", name, None, opts)
        region = args.region
        own = region.child_opts(self)
        volume_type = openstack.blockstorage.VolumeTypeV3(
            f"{name}-volume-type",
            name=encrypted_volume_type_name(args.tenant),
            description=f"LUKS-encrypted volumes of {args.tenant} (core data)",
            is_public=False,
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
        self.register_outputs({"volumeTypeId": volume_type.id})
