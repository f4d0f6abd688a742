"""The stack's ``openstack:*`` config: the credentials of every explicit provider the program creates.

Pulumi gives an explicit provider nothing of the stack's ``openstack:*`` config (only the default
provider reads it), and the program creates one explicit provider per region. So the program reads
that config itself and hands it to each regional provider (:func:`provider_args`) and to the Cinder
encryption's dynamic provider (:func:`sdk_args`, openstacksdk's names). Keys not set fall back as
the provider does: ``OS_CLOUD`` / ``clouds.yaml`` or the ``OS_*`` variables. ``openstack:region`` is
never used: each provider's region is the stack file's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

# Pulumi config key (camelCase, as `pulumi config set openstack:<key>`) -> (provider argument,
# openstacksdk argument). Secrets are read as secrets.
KEYS: dict[str, tuple[str, str]] = {
    "authUrl": ("auth_url", "auth_url"),
    "cloud": ("cloud", "cloud"),
    "userName": ("user_name", "username"),
    "userId": ("user_id", "user_id"),
    "password": ("password", "password"),
    "token": ("token", "token"),
    "tenantName": ("tenant_name", "project_name"),
    "tenantId": ("tenant_id", "project_id"),
    "userDomainName": ("user_domain_name", "user_domain_name"),
    "userDomainId": ("user_domain_id", "user_domain_id"),
    "projectDomainName": ("project_domain_name", "project_domain_name"),
    "projectDomainId": ("project_domain_id", "project_domain_id"),
    "domainName": ("domain_name", "domain_name"),
    "domainId": ("domain_id", "domain_id"),
    "defaultDomain": ("default_domain", "default_domain"),
    "applicationCredentialId": ("application_credential_id", "application_credential_id"),
    "applicationCredentialName": ("application_credential_name", "application_credential_name"),
    "applicationCredentialSecret": ("application_credential_secret", "application_credential_secret"),
    "endpointType": ("endpoint_type", "interface"),
    "cacertFile": ("cacert_file", "cacert"),
    "cert": ("cert", "cert"),
    "key": ("key", "key"),
}
SECRET_KEYS = frozenset({"password", "token", "applicationCredentialSecret"})
BOOL_KEYS = ("insecure",)


def provider_args(config: Any) -> dict[str, Any]:
    """Arguments for ``openstack.Provider`` from ``pulumi.Config("openstack")``."""
    args: dict[str, Any] = {}
    for key, (argument, _) in KEYS.items():
        value = config.get_secret(key) if key in SECRET_KEYS else config.get(key)
        if value is not None:
            args[argument] = value
    insecure = config.get_bool("insecure")
    if insecure is not None:
        args["insecure"] = insecure
    return args


def sdk_args(get: Callable[[str], Any]) -> dict[str, Any]:
    """Arguments for ``openstack.connect`` from the full stack config (``get("openstack:authUrl")``)."""
    args: dict[str, Any] = {}
    for key, (_, argument) in KEYS.items():
        value = get(f"openstack:{key}")
        if value is not None:
            args[argument] = value
    insecure = get("openstack:insecure")
    if insecure is not None:
        args["verify"] = str(insecure).lower() not in ("true", "1", "yes")
    return args


def sdk_args_from(mapping: Mapping[str, Any]) -> dict[str, Any]:
    return sdk_args(mapping.get)
