"""Running the pack's policy objects offline, exactly as the analyzer server would run them.

Each resource's props take the engine's path to a policy: serialized into a protobuf ``Struct`` (so
numbers become floats and secrets carry their signature), deserialized by pulumi-policy's own
``deserialize_properties`` and wrapped in its unknown-checking proxy. Resource policies then get a
``ResourceValidationArgs`` per resource, stack policies one ``StackValidationArgs`` with parents and
dependencies linked, and every ``report_violation`` call becomes a :class:`Violation`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from inspect import isawaitable
from typing import Any

from google.protobuf import json_format, struct_pb2
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import SPECIAL_SECRET_SIG, SPECIAL_SIG_KEY, deserialize_properties

# The analyzer's own "not applicable" and "unknown during preview" signals; the SDK exports neither.
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, unknown_checking_proxy

from policies.inputs import PolicyInput, PropPath, Violation
from policies.pack import DEFAULT_ENFORCEMENT, POLICIES
from policies.props import UNKNOWN

PackConfig = Mapping[str, Any]
"""Like a ``--policy-pack-config`` file: per policy name (or ``all``) an enforcement level, or an
object of config properties with an optional ``enforcementLevel``."""

STACK = "(stack)"
"""The resource named by a stack policy's violation that points at no resource."""


def evaluate(
    resources: Sequence[PolicyInput],
    config: PackConfig | None = None,
    policies: Sequence[Policy] = POLICIES,
    stack_tags: Mapping[str, str] | None = None,
) -> list[Violation]:
    """Every violation the policies report on ``resources``, policy by policy in the given order."""
    config = config or {}
    tags = dict(stack_tags or {})
    by_urn = {r.urn: r for r in resources}
    props = {r.urn: engine_props(r) for r in resources}
    options = {r.urn: _options(r) for r in resources}
    providers = {r.urn: _provider(r, by_urn, props) for r in resources}
    # Built once and shared: policies only read what they are given.
    stack: list[PolicyResource] | None = None
    violations: list[Violation] = []
    for policy in policies:
        level = enforcement_level(policy, config)
        if level is EnforcementLevel.DISABLED:
            continue
        settings = policy_config(policy.name, config)
        if isinstance(policy, ResourceValidationPolicy):
            for resource in resources:
                args = ResourceValidationArgs(
                    resource.type,
                    props[resource.urn],
                    resource.urn,
                    resource.name,
                    options[resource.urn],
                    providers[resource.urn],
                    settings,
                    tags,
                )
                report = _collector(violations, policy.name, level, by_urn, default=resource)
                _run(policy.validate, args, report)
        elif isinstance(policy, StackValidationPolicy):
            if stack is None:
                stack = _stack_resources(resources, options, providers, props)
            stack_args = StackValidationArgs(stack, settings, tags)
            _run(policy.validate, stack_args, _collector(violations, policy.name, level, by_urn))
    return violations


def enforcement_level(policy: Policy, config: PackConfig) -> EnforcementLevel:
    """The level a policy runs at: its config entry's, else ``all``'s, else its own, else the pack's."""
    for key in (policy.name, "all"):
        entry = config.get(key)
        value = entry.get("enforcementLevel") if isinstance(entry, Mapping) else entry
        if value is not None:
            level = value if isinstance(value, EnforcementLevel) else EnforcementLevel(str(value))
            break
    else:
        level = policy.enforcement_level or DEFAULT_ENFORCEMENT
    # The engine reports a remediation policy that still finds a violation as mandatory.
    return EnforcementLevel.MANDATORY if level is EnforcementLevel.REMEDIATE else level


def policy_config(name: str, config: PackConfig) -> dict[str, Any] | None:
    """A policy's config properties as the engine passes them (numbers as floats)."""
    entry = config.get(name)
    if not isinstance(entry, Mapping):
        return None
    properties = {k: v for k, v in entry.items() if k != "enforcementLevel"}
    return _through_struct(properties) if properties else None


def engine_props(resource: PolicyInput) -> Any:
    """The resource's props as a policy receives them from the engine."""
    wire = _mark_secrets(_unknowns_to_sentinels(dict(resource.props)), resource.secret_paths)
    return unknown_checking_proxy(deserialize_properties(_through_struct(wire)))


def _through_struct(value: dict[str, Any]) -> dict[str, Any]:
    struct = struct_pb2.Struct()
    struct.update(value)
    return json_format.MessageToDict(struct)


def _unknowns_to_sentinels(value: Any) -> Any:
    if value is UNKNOWN:
        return UNKNOWN_STRING_VALUE
    if isinstance(value, Mapping):
        return {str(k): _unknowns_to_sentinels(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_unknowns_to_sentinels(v) for v in value]
    return value


def _mark_secrets(props: dict[str, Any], paths: Sequence[PropPath]) -> dict[str, Any]:
    for path in paths:
        container: Any = props
        for step in path[:-1]:
            try:
                container = container[step]
            except (KeyError, IndexError, TypeError):
                container = None
                break
        last = path[-1] if path else None
        if container is None or last is None:
            continue
        try:
            container[last] = {SPECIAL_SIG_KEY: SPECIAL_SECRET_SIG, "value": container[last]}
        except (KeyError, IndexError, TypeError):
            continue
    return props


def _options(resource: PolicyInput) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=False,
        ignore_changes=[],
        delete_before_replace=None,
        aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=[],
        parent=resource.parent,
    )


def _provider(
    resource: PolicyInput, by_urn: Mapping[str, PolicyInput], props: Mapping[str, Any]
) -> PolicyProviderResource | None:
    if not resource.provider:
        return None
    urn = resource.provider.split("::")[:-1] if resource.provider not in by_urn else None
    key = "::".join(urn) if urn else resource.provider
    provider = by_urn.get(key)
    if provider is None:
        return None
    return PolicyProviderResource(provider.type, props[provider.urn], provider.urn, provider.name)


def _stack_resources(
    resources: Sequence[PolicyInput],
    options: Mapping[str, PolicyResourceOptions],
    providers: Mapping[str, PolicyProviderResource | None],
    props: Mapping[str, Any],
) -> list[PolicyResource]:
    built = {
        r.urn: PolicyResource(
            r.type, props[r.urn], r.urn, r.name, options[r.urn], providers[r.urn], None, [], {}
        )
        for r in resources
    }
    for r in resources:
        resource = built[r.urn]
        if r.parent in built:
            resource.parent = built[r.parent]
        resource.dependencies.extend(built[u] for u in r.dependencies if u in built)
        for key, urns in r.property_dependencies.items():
            resource.property_dependencies[key] = [built[u] for u in urns if u in built]
    return list(built.values())


def _collector(
    violations: list[Violation],
    policy: str,
    level: EnforcementLevel,
    by_urn: Mapping[str, PolicyInput],
    default: PolicyInput | None = None,
) -> Any:
    def report_violation(message: str, urn: str | None = None) -> None:
        # Like the engine: a resource policy's violation is always about the resource validated.
        target = default or (by_urn.get(urn) if urn else None)
        violations.append(
            Violation(
                policy=policy,
                level=level.value,
                resource=target.name if target else STACK,
                message=message or "",
                urn=target.urn if target else urn,
            )
        )

    return report_violation


def _run(validate: Any, args: Any, report: Any) -> None:
    try:
        result = validate(args, report)
        if isawaitable(result):
            asyncio.run(_wait(result))
    except (_NotApplicableError, UnknownValueError):
        pass  # the engine records these as "not applicable" / "cannot run during preview", not violations


async def _wait(result: Any) -> None:
    await result
