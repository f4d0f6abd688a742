"""An offline preview: the Pulumi program run in-process under mocks, every resource it declares recorded.

No engine, no CLI, no cloud. The mock monitor answers each registration the way OpenStack would
(inputs echoed back, a made-up id) and each look-up (external network, group, role, auth scope) with a
plausible value. What is kept is what Pulumi itself saw: the type token, the logical name, the URN,
the parent and provider, and the inputs in the engine's camelCase with secrets masked.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import gc
import hashlib
import multiprocessing as mp
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

import pulumi
from google.protobuf import struct_pb2
from pulumi import Output
from pulumi.runtime import config as pulumi_config
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import resource as pulumi_resource
from pulumi.runtime import rpc, settings
from pulumi.runtime.proto import provider_pb2, resource_pb2, source_pb2
from pulumi.runtime.stack import run_pulumi_func

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
    id: str
    """The id the mock cloud gave it; other resources' inputs refer to it (``projectId``, ``networkId``)."""
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

    def by_id(self) -> dict[str, RecordedResource]:
        return {r.id: r for r in self.resources if r.id}

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
    """Answers the program's resources and look-ups as a freshly installed OpenStack would.

    ``new_resource`` returns only what the cloud computes (an id, generated values); the monitor echoes
    the inputs back as the rest of the state, as a provider without defaults would.
    """

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str | None, dict]:
        computed: dict[str, Any] = {}
        if args.typ == "random:index/randomPassword:RandomPassword":
            length = int(args.inputs.get("length", 32))
            computed["result"] = (_fake_id("password", args.name) * 4)[:length]
        return _fake_id(args.typ, args.name), computed

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
    """A mock resource monitor that records every registration with its parent and provider.

    Unlike the SDK's, it answers synchronously without re-entering the event loop (it echoes the
    serialized inputs instead of serializing a state again), so the run can skip worker threads.
    """

    def __init__(self, mocks: pulumi_mocks.Mocks) -> None:
        super().__init__(mocks)
        self.recorded: list[RecordedResource] = []
        self.stack_urn = ""

    def RegisterResource(self, request: Any) -> Any:
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == "pulumi:pulumi:Stack":
            self.stack_urn = urn
            return resource_pb2.RegisterResourceResponse(urn=urn)
        inputs = rpc.deserialize_properties(request.object)
        args = pulumi_mocks.MockResourceArgs(
            typ=request.type,
            name=request.name,
            inputs=inputs,
            provider=request.provider,
            resource_id=request.importId,
            custom=bool(request.custom),
        )
        id_, computed = self.mocks.new_resource(args)
        state = struct_pb2.Struct()
        state.CopyFrom(request.object)
        state.update(computed)
        self.resources[urn] = pulumi_mocks.MockMonitor.ResourceRegistration(urn, id_ or "", computed)
        masked, secret_paths = mask_secrets(inputs)
        self.recorded.append(
            RecordedResource(
                type=request.type,
                name=request.name,
                urn=urn,
                id=id_ or "",
                parent=request.parent,
                provider=request.provider,
                region=masked.get("region"),
                inputs=masked,
                secret_inputs=tuple(secret_paths),
                custom=bool(request.custom),
            )
        )
        return resource_pb2.RegisterResourceResponse(urn=urn, id=id_, object=state)

    def Invoke(self, request: Any) -> Any:
        if request.tok == "pulumi:pulumi:getResource":
            return super().Invoke(request)
        args = pulumi_mocks.MockCallArgs(
            token=request.tok, args=rpc.deserialize_properties(request.args), provider=request.provider
        )
        result, failures = self.mocks.call(args)
        returned = struct_pb2.Struct()
        returned.update(result)
        return resource_pb2.ResourceInvokeResponse(
            failures=[provider_pb2.CheckFailure(property=p, reason=r) for p, r in failures],
            **{"return": returned},
        )


class _InlineExecutor(concurrent.futures.ThreadPoolExecutor):
    """Runs each monitor call at once on the event loop's thread: the mock monitor never blocks."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> concurrent.futures.Future:
        future: concurrent.futures.Future = concurrent.futures.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # handed to the awaiting task, as a worker thread would
            future.set_exception(error)
        return future


def preview_stack(stack: LoadedStack, options: CloudOptions | None = None, workers: int = 1) -> Preview:
    """Run the program for ``stack`` under mocks and return every resource it declared.

    With ``workers`` > 1 the tenants are split between that many forked processes, each declaring
    every region and its share of the tenants; tenants never depend on each other, so the merged
    result is the single run's. Small stacks, and options holding Pulumi outputs, run in-process.
    """
    names = [t.name for t in stack.spec.tenants]
    workers = min(workers, len(names) // MIN_TENANTS_PER_WORKER)
    sync_key = options.sync_key if options is not None else None
    if workers <= 1 or not isinstance(sync_key, str | None) or "fork" not in mp.get_all_start_methods():
        return _preview_tenants(stack, options, None)
    shares = [names[i::workers] for i in range(workers)]
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
        parts = list(pool.map(_preview_tenants, [stack] * workers, [options] * workers, shares))
    return _merge(parts)


MIN_TENANTS_PER_WORKER = 50
"""Below this many tenants per process, forking costs more than it saves."""


def _preview_tenants(stack: LoadedStack, options: CloudOptions | None, tenants: list[str] | None) -> Preview:
    exported: dict[str, Any] = {}

    # A plain function, not a coroutine: an SDK release that does not await a program's coroutine
    # would run it as declaring nothing (seen with pulumi 3.231, before the floor was checked).
    def program() -> None:
        cloud = build_cloud(stack.spec, options, tenants)
        Output.from_input(cloud.outputs()).apply(lambda values: exported.update(values or {}))

    return replace(run_mocked(program, stack.name), outputs=exported)


def _merge(parts: list[Preview]) -> Preview:
    """One preview from runs over disjoint tenant shares (regional resources appear in each)."""
    by_urn: dict[str, RecordedResource] = {}
    tenants: dict[str, Any] = {}
    for part in parts:
        by_urn.update((r.urn, r) for r in part.resources)
        tenants.update(part.outputs.get("tenants", {}))
    resources = tuple(sorted(by_urn.values(), key=lambda r: (r.name, r.type)))
    return Preview(parts[0].stack, parts[0].stack_urn, resources, {"tenants": tenants})


def run_mocked(
    program: Callable[[], Awaitable[None] | None], stack_name: str, config: Mapping[str, str] | None = None
) -> Preview:
    """Run any Pulumi program function under mocks (with ``config`` as the stack's config).

    Safe to call repeatedly in one process: each run gets a fresh event loop, Pulumi runtime settings
    and config, reset again afterwards. One run at a time: the settings are process-global.
    """
    with _runtime_lock, _fast_runtime():
        monitor = RecordingMonitor(CloudMocks())
        loop = asyncio.new_event_loop()
        loop.set_default_executor(_InlineExecutor())
        asyncio.set_event_loop(loop)
        _reset_runtime()
        pulumi_config.set_all_config(dict(config or {}), [])
        try:
            # Mocks go in before any resource exists, or the program would talk to no engine at all.
            pulumi.runtime.set_mocks(
                monitor.mocks, project=PROJECT, stack=stack_name, preview=True, monitor=monitor
            )
            # run_pulumi_func waits for every outstanding registration and apply before returning.
            loop.run_until_complete(run_pulumi_func(program))
        finally:
            _reset_runtime()
            pulumi_config.set_all_config({}, [])
            asyncio.set_event_loop(None)
            loop.close()
        resources = tuple(sorted(monitor.recorded, key=lambda r: (r.name, r.type)))
        return Preview(stack_name, monitor.stack_urn, resources, {})


@contextlib.contextmanager
def _fast_runtime() -> Iterator[None]:
    """Two costs a mock run need not pay, restored afterwards.

    The cyclic garbage collector rescans the SDK's many live futures and outputs over and over (half
    the run time at 200 tenants) while finding next to nothing: peak memory is the same without it.
    And the SDK captures a Python stack trace per resource only so that the engine can point its error
    messages at source lines.
    """
    collecting = gc.isenabled()
    capture = getattr(pulumi_resource, "_get_stack_trace", None)
    gc.disable()
    if capture is not None:
        pulumi_resource._get_stack_trace = source_pb2.StackTrace
    try:
        yield
    finally:
        if capture is not None:
            pulumi_resource._get_stack_trace = capture
        if collecting:
            gc.enable()


def _reset_runtime() -> None:
    settings.SETTINGS.rpc_manager.clear()
    settings.SETTINGS.outputs.clear()
    settings.reset_options(project=PROJECT, stack="stack")
