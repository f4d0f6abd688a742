"""An offline preview: the Pulumi program run in-process under mocks, every resource it declares recorded.

No engine, no CLI, no cloud. The mock monitor answers each registration the way OpenStack would
(inputs echoed back, a made-up id) and each look-up (external network, group, role, auth scope) with a
plausible value. What is kept is what Pulumi itself saw: the type token, the logical name, the URN,
the parent and provider, and the inputs in the engine's camelCase with secrets masked.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi import Output
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc, settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from infra.cloud import CloudOptions, build_cloud
from stacks import LoadedStack

PROJECT = "govcloud"
MASK = "[secret]"
InputPath = tuple[str | int, ...]

_runtime_lock = threading.Lock()


@dataclass(frozen=True)
class RecordedResource:
    """One resource as the engine would have received it."""

    type: str
    name: str
    urn: str
    parent: str
    """The parent's URN; the stack's URN for top-level resources."""
    provider: str
    """The provider reference (``<provider urn>::<id>``), empty for the default provider."""
    region: str | None
    inputs: Mapping[str, Any]
    """Inputs keyed in camelCase, secrets replaced by ``"[secret]"``."""
    secret_inputs: tuple[InputPath, ...]
    custom: bool

    @property
    def parent_label(self) -> str:
        """The parent as ``type::name``, e.g. ``govcloud:index:Tenant::health``."""
        return urn_label(self.parent)

    @property
    def provider_urn(self) -> str:
        return self.provider.rsplit("::", 1)[0] if self.provider else ""

    def is_secret(self, *path: str | int) -> bool:
        return tuple(path) in self.secret_inputs


@dataclass(frozen=True)
class Preview:
    """Everything one run of the program declared, sorted by logical name, and the stack outputs."""

    stack: str
    stack_urn: str
    resources: tuple[RecordedResource, ...]
    outputs: Mapping[str, Any]

    def of_type(self, type_token: str) -> list[RecordedResource]:
        return [r for r in self.resources if r.type == type_token]

    def by_urn(self) -> dict[str, RecordedResource]:
        return {r.urn: r for r in self.resources}

    def ancestors(self, resource: RecordedResource) -> Iterator[RecordedResource]:
        """The resource's parents, nearest first, up to (not including) the stack."""
        index = self.by_urn()
        parent = index.get(resource.parent)
        while parent is not None:
            yield parent
            parent = index.get(parent.parent)

    def tenant_of(self, resource: RecordedResource) -> str | None:
        """The name of the tenant component the resource belongs to, if any."""
        if resource.type == TENANT_TYPE:
            return resource.name
        return next((a.name for a in self.ancestors(resource) if a.type == TENANT_TYPE), None)

    def counts_by_type(self) -> Counter[str]:
        return Counter(r.type for r in self.resources)


TENANT_TYPE = "govcloud:index:Tenant"


def urn_label(urn: str) -> str:
    """``type::name`` of a URN (``urn:pulumi:stack::project::a$b::name`` gives ``b::name``)."""
    if not urn:
        return ""
    parts = urn.split("::")
    return f"{parts[2].split('$')[-1]}::{'::'.join(parts[3:])}"


def mask_secrets(value: Any, path: InputPath = ()) -> tuple[Any, list[InputPath]]:
    """The value with every wrapped secret replaced by the mask, and the paths where they were."""
    if rpc.is_rpc_secret(value):
        return MASK, [path]
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        found: list[InputPath] = []
        for key, item in value.items():
            out[key], inner = mask_secrets(item, (*path, key))
            found.extend(inner)
        return out, found
    if isinstance(value, list | tuple):
        items: list[Any] = []
        found = []
        for i, item in enumerate(value):
            masked, inner = mask_secrets(item, (*path, i))
            items.append(masked)
            found.extend(inner)
        return items, found
    return value, []


def _fake_id(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:32]


class CloudMocks(pulumi_mocks.Mocks):
    """Answers the program's resources and look-ups as a freshly installed OpenStack would."""

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str | None, dict]:
        state = dict(args.inputs)
        if args.typ == "random:index/randomPassword:RandomPassword":
            length = int(args.inputs.get("length", 32))
            state["result"] = (_fake_id("password", args.name) * 4)[:length]
        elif args.typ == "openstack:keymanager/orderV1:OrderV1":
            state["secretRef"] = f"https://barbican.invalid/v1/secrets/{_fake_id('secret', args.name)}"
        return _fake_id(args.typ, args.name), state

    def call(self, args: pulumi_mocks.MockCallArgs) -> tuple[dict, list[tuple[str, str]]]:
        region = str(args.args.get("region", ""))
        name = str(args.args.get("name", ""))
        if args.token == "openstack:networking/getNetwork:getNetwork":
            return {
                "id": _fake_id("network", region, name),
                "name": name,
                "external": True,
                "region": region,
            }, []
        if args.token in ("openstack:identity/getGroup:getGroup", "openstack:identity/getRole:getRole"):
            return {
                "id": _fake_id(args.token, name),
                "name": name,
                "region": region,
                "domainId": "default",
            }, []
        if args.token == "openstack:identity/getAuthScope:getAuthScope":
            return {
                "id": name,
                "name": name,
                "projectId": _fake_id("backup-project", region),
                "region": region,
            }, []
        raise NotImplementedError(f"the preview has no mock for the look-up {args.token}")


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """The SDK's mock monitor, keeping each registration with its parent and provider."""

    def __init__(self, mocks: pulumi_mocks.Mocks) -> None:
        super().__init__(_ArgsCapture(mocks, self))
        self.local = threading.local()
        self.recorded: list[RecordedResource] = []
        self.stack_urn = ""
        self._lock = threading.Lock()

    def RegisterResource(self, request: Any) -> Any:
        self.local.args = None
        response = super().RegisterResource(request)
        args: pulumi_mocks.MockResourceArgs | None = self.local.args
        if args is None:  # the root stack: registered without inputs
            self.stack_urn = response.urn
            return response
        inputs, secret_paths = mask_secrets(args.inputs)
        record = RecordedResource(
            type=request.type,
            name=request.name,
            urn=response.urn,
            parent=request.parent,
            provider=request.provider,
            region=inputs.get("region"),
            inputs=inputs,
            secret_inputs=tuple(secret_paths),
            custom=bool(request.custom),
        )
        with self._lock:
            self.recorded.append(record)
        return response


class _ArgsCapture(pulumi_mocks.Mocks):
    """Hands each resource's MockResourceArgs to the monitor thread that is registering it."""

    def __init__(self, inner: pulumi_mocks.Mocks, monitor: RecordingMonitor) -> None:
        self.inner = inner
        self.monitor = monitor

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str | None, dict]:
        self.monitor.local.args = args
        return self.inner.new_resource(args)

    def call(self, args: pulumi_mocks.MockCallArgs) -> Any:
        return self.inner.call(args)


def preview_stack(stack: LoadedStack, options: CloudOptions | None = None) -> Preview:
    """Run the program for ``stack`` under mocks and return every resource it declared.

    Safe to call repeatedly in one process: the Pulumi runtime is reset before and after each run.
    Only one preview runs at a time (the runtime's settings are process-global).
    """
    with _runtime_lock:
        monitor = RecordingMonitor(CloudMocks())
        _reset_runtime()
        try:
            # Mocks go in before any resource exists, or the program would talk to no engine at all.
            pulumi.runtime.set_mocks(
                monitor.mocks, project=PROJECT, stack=stack.name, preview=True, monitor=monitor
            )
            exported: dict[str, Any] = {}

            async def program() -> None:
                cloud = build_cloud(stack.spec, options)
                exported.update(await Output.from_input(cloud.outputs()).future() or {})

            # run_pulumi_func waits for every outstanding registration and apply before returning.
            _sync_await(run_pulumi_func(program))
        finally:
            _reset_runtime()
        resources = tuple(sorted(monitor.recorded, key=lambda r: (r.name, r.type)))
        return Preview(stack.name, monitor.stack_urn, resources, exported)


def _reset_runtime() -> None:
    settings.SETTINGS.rpc_manager.clear()
    settings.SETTINGS.outputs.clear()
    settings.reset_options(project=PROJECT, stack="stack")
