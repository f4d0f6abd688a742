"""The Pulumi program: read the stack's config, load its stack file, declare the cloud."""

from pathlib import Path

import pulumi

from infra.cloud import CloudOptions, build_cloud
from infra.tenant import Roles
from stacks import load_stack

config = pulumi.Config("govcloud")
stack_file = Path(pulumi.get_root_directory() or ".") / config.require("stackFile")
cloud = build_cloud(
    load_stack(stack_file).spec,
    CloudOptions(
        roles=Roles(admin=config.get("adminRole") or "manager", member=config.get("memberRole") or "member"),
        sync_realm=config.get("syncRealm") or "govcloud",
        sync_key=config.get_secret("syncKey"),
        domain_id=config.get("domainId"),
    ),
)
for key, value in cloud.outputs().items():
    pulumi.export(key, value)
