"""The pulumi-openstack type tokens the policies look at, as the engine passes them."""

PROJECT = "openstack:identity/project:Project"
COMPUTE_QUOTA = "openstack:compute/quotaSetV2:QuotaSetV2"
NETWORK_QUOTA = "openstack:networking/quotaV2:QuotaV2"
BLOCK_STORAGE_QUOTA = "openstack:blockstorage/quoteSetV3:QuoteSetV3"
NETWORK = "openstack:networking/network:Network"
SUBNET = "openstack:networking/subnet:Subnet"
SUBNET_POOL = "openstack:networking/subnetPool:SubnetPool"
SECURITY_GROUP_RULE = "openstack:networking/secGroupRule:SecGroupRule"
CONTAINER = "openstack:objectstorage/container:Container"
VOLUME_TYPE = "openstack:blockstorage/volumeTypeV3:VolumeTypeV3"
VOLUME_TYPE_ENCRYPTION = "pulumi-python:dynamic/cinder:VolumeTypeEncryption"
"""The program's dynamic resource for Cinder's volume-type encryption API (``infra/volume_encryption.py``)."""

TAGGABLE: frozenset[str] = frozenset(
    {
        "openstack:compute/instance:Instance",
        PROJECT,
        "openstack:images/image:Image",
        "openstack:loadbalancer/listener:Listener",
        "openstack:loadbalancer/loadBalancer:LoadBalancer",
        "openstack:loadbalancer/member:Member",
        "openstack:loadbalancer/pool:Pool",
        "openstack:networking/floatingIp:FloatingIp",
        NETWORK,
        "openstack:networking/port:Port",
        "openstack:networking/qosPolicy:QosPolicy",
        "openstack:networking/router:Router",
        "openstack:networking/secGroup:SecGroup",
        SUBNET,
        SUBNET_POOL,
        "openstack:networking/trunk:Trunk",
        "openstack:orchestration/stackV1:StackV1",
    }
)
"""Resource types whose pulumi-openstack schema has a ``tags`` list input (checked against 5.5)."""
