"""The policy pack on an offline preview: recorded resources in, violations out.

Converts what the mock run recorded (type, logical name, URN, parent, provider, camelCase inputs and
where the secrets were) into the pack's input records and runs the very same policy objects as
``pulumi preview --policy-pack policies``, with the config the stack implies
(:mod:`policies.stack_config`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from policies.evaluate import evaluate
from policies.inputs import PolicyInput, Violation
from policies.stack_config import pack_config
from stacks.spec import StackSpec


class Recorded(Protocol):
    """What the offline preview records of each resource (``infra.preview.RecordedResource``)."""

    @property
    def type(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def urn(self) -> str: ...
    @property
    def id(self) -> str: ...
    @property
    def parent(self) -> str: ...
    @property
    def provider(self) -> str: ...
    @property
    def inputs(self) -> Mapping[str, Any]: ...
    @property
    def secret_inputs(self) -> tuple[tuple[str | int, ...], ...]: ...


def policy_inputs(resources: Iterable[Recorded]) -> list[PolicyInput]:
    """The pack's input records for the recorded resources.

    The engine tells policies which resources each input came from; the mock run only kept values,
    so an input whose value is another resource's id (``projectId``, ``networkId``) is linked to it.
    """
    records = list(resources)
    by_id = {r.id: r.urn for r in records if r.id}
    inputs = []
    for r in records:
        links = _property_dependencies(r.inputs, by_id, r.urn)
        inputs.append(
            PolicyInput(
                type=r.type,
                name=r.name,
                urn=r.urn,
                props=dict(r.inputs),
                parent=r.parent or None,
                provider=r.provider or None,
                dependencies=tuple(dict.fromkeys(urn for urns in links.values() for urn in urns)),
                property_dependencies=links,
                secret_paths=tuple(r.secret_inputs),
            )
        )
    return inputs


def _property_dependencies(
    inputs: Mapping[str, Any], by_id: Mapping[str, str], own: str
) -> dict[str, tuple[str, ...]]:
    links: dict[str, tuple[str, ...]] = {}
    for key, value in inputs.items():
        values = value if isinstance(value, list) else [value]
        urns = tuple(by_id[v] for v in values if isinstance(v, str) and v in by_id and by_id[v] != own)
        if urns:
            links[key] = urns
    return links


def check_resources(resources: Sequence[Recorded], spec: StackSpec) -> list[Violation]:
    """Every policy violation of the recorded resources of ``spec``'s program."""
    return evaluate(policy_inputs(resources), pack_config(spec))
