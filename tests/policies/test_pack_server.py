"""The pack as the Pulumi engine runs it, spoken to over gRPC.

No Pulumi CLI is needed: the test starts the analyzer as the Python language host does
(``python -u -m pulumi.policy ENGINE .`` in the ``policies/`` directory, reading the port from its
first line of output) and asks it what the engine asks. The violations it returns must be the ones offline evaluation finds on the same resources.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
import yaml
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc
from pulumi_policy.deserialize import SPECIAL_SECRET_SIG, SPECIAL_SIG_KEY

from policies.evaluate import evaluate
from policies.inputs import PolicyInput
from policies.pack import PACK_NAME, POLICIES
from tests.policies.policy_stack import compliant_cloud, with_props, without

PACK_DIR = Path(__file__).resolve().parents[2] / "policies"


@pytest.fixture(scope="module")
def analyzer() -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    # Exactly what the Python language host runs for a policy pack: pulumi.policy's runner, which
    # runs the pack directory's __main__.py with the directory as the working directory.
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:0", "."],
        cwd=PACK_DIR,
        # Like the engine: no PYTHONPATH, so __main__.py must find the repository root itself.
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    port: list[str] = []
    reader = threading.Thread(target=lambda: port.append(process.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(timeout=60)
    try:
        if not port or not port[0].strip().isdigit():
            process.kill()
            pytest.fail(f"the pack did not start: {process.stderr.read() if process.stderr else ''}")
        channel = grpc.insecure_channel(f"127.0.0.1:{port[0].strip()}")
        yield analyzer_pb2_grpc.AnalyzerStub(channel)
        channel.close()
    finally:
        process.terminate()
        process.wait(timeout=10)


def wire_props(resource: PolicyInput) -> struct_pb2.Struct:
    props = dict(resource.props)
    for path in resource.secret_paths:
        if len(path) == 1 and path[0] in props:
            props[path[0]] = {SPECIAL_SIG_KEY: SPECIAL_SECRET_SIG, "value": props[path[0]]}
    struct = struct_pb2.Struct()
    struct.update(props)
    return struct


def options(resource: PolicyInput) -> analyzer_pb2.AnalyzerResourceOptions:
    return analyzer_pb2.AnalyzerResourceOptions(parent=resource.parent or "")


def engine_violations(
    stub: analyzer_pb2_grpc.AnalyzerStub, resources: list[PolicyInput]
) -> list[tuple[str, str, str]]:
    """(policy, level, urn) of every diagnostic, resource policies first, as the engine would collect."""
    found = []
    for r in resources:
        response = stub.Analyze(
            analyzer_pb2.AnalyzeRequest(
                type=r.type, name=r.name, urn=r.urn, properties=wire_props(r), options=options(r)
            )
        )
        found.extend((d.policyName, d.enforcementLevel, d.urn or r.urn) for d in response.diagnostics)
    stack = stub.AnalyzeStack(
        analyzer_pb2.AnalyzeStackRequest(
            resources=[
                analyzer_pb2.AnalyzerResource(
                    type=r.type,
                    name=r.name,
                    urn=r.urn,
                    properties=wire_props(r),
                    options=options(r),
                    parent=r.parent or "",
                    # As the engine sends them: core-data-encrypted links an encryption spec to its
                    # volume type through the volumeTypeId dependency.
                    dependencies=list(r.dependencies),
                    propertyDependencies={
                        key: analyzer_pb2.AnalyzerPropertyDependencies(urns=list(urns))
                        for key, urns in r.property_dependencies.items()
                    },
                )
                for r in resources
            ]
        )
    )
    found.extend((d.policyName, d.enforcementLevel, d.urn) for d in stack.diagnostics)
    levels = {analyzer_pb2.MANDATORY: "mandatory", analyzer_pb2.ADVISORY: "advisory"}
    return sorted((policy, levels[level], urn) for policy, level, urn in found)


def test_the_pack_describes_its_policies(analyzer: analyzer_pb2_grpc.AnalyzerStub) -> None:
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty())
    assert info.name == PACK_NAME
    assert [p.name for p in info.policies] == [p.name for p in POLICIES]
    for served in info.policies:
        assert served.description and served.remediation_steps
    levels = {p.name: p.enforcementLevel for p in info.policies}
    assert levels["quota-within-capacity"] == analyzer_pb2.ADVISORY
    assert levels["no-overlapping-prefixes"] == analyzer_pb2.MANDATORY
    ingress = next(p for p in info.policies if p.name == "no-open-admin-ingress")
    assert 22 in ingress.configSchema.properties["adminPorts"]["default"]


def test_the_engine_path_and_offline_evaluation_agree(analyzer: analyzer_pb2_grpc.AnalyzerStub) -> None:
    broken = with_props(compliant_cloud(), "health-sg-https-in", portRangeMin=22, portRangeMax=22)
    broken = with_props(broken, "health-router", tags=[])
    broken = with_props(broken, "transport-traffic-ipv6", cidr="2001:db8:1001::/64")
    broken = without(
        broken, "health-backup-replica-2", "health-backup-replica-2-versions", "transport-quotas-network"
    )
    offline = sorted((v.policy, v.level, v.urn or "") for v in evaluate(broken))
    assert len(offline) == 5
    assert engine_violations(analyzer, broken) == offline
    assert engine_violations(analyzer, compliant_cloud()) == []


def test_the_pack_runs_in_the_projects_virtualenv() -> None:
    project = yaml.safe_load((PACK_DIR / "PulumiPolicy.yaml").read_text(encoding="utf-8"))
    assert project["runtime"]["name"] == "python"
    virtualenv = PACK_DIR / project["runtime"]["options"]["virtualenv"]
    assert virtualenv.resolve() == PACK_DIR.parent / ".venv"  # what `make venv` builds
    assert project["version"] and project["description"]
