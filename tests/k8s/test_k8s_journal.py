"""ConfigMapJournal against the real API server: records survive the process, a second writer is
refused by the resourceVersion, and a new run drops the ended ones."""

from __future__ import annotations

import pytest

from scheduler.adapters.kubernetes.journal import KEY, ConfigMapJournal
from scheduler.apply.journal import DONE, JournalError
from scheduler.model.move import Move
from tests.k8s.conftest import Cluster

MOVE = Move("team/web-1", "team", "a1", "b1", "zone-a", "zone-b")
PLAN = {"moves": [MOVE.to_json()], "before": {}, "after": {}}


def test_records_are_read_back_by_another_replica(cluster: Cluster) -> None:
    ns = cluster.namespace("journal")
    first = ConfigMapJournal(cluster.api, ns, "govcloud-journal")
    assert first.read_runs() == [], "no ConfigMap yet: no runs"
    with first:
        run = first.start("r1", PLAN, {"team/web": 1}).run
        first.intent(run, MOVE)
    # A new leader (another process, another client) sees the open intent.
    (state,) = ConfigMapJournal(cluster.api, ns, "govcloud-journal").read_runs()
    assert (state.run, state.ended, [m for m, _ in state.open_intents]) == ("r1", False, [MOVE])
    with ConfigMapJournal(cluster.api, ns, "govcloud-journal") as second:
        assert second.current is not None and second.current.run == "r1"
        second.outcome("r1", MOVE, DONE, "found in the planned zone")
        second.end("r1")
    (state,) = first.read_runs()
    assert state.ended and state.outcomes[MOVE.workload].status == DONE
    stored = cluster.core.read_namespaced_config_map("govcloud-journal", ns).data[KEY]
    assert stored.count("\n") == 4 and stored.endswith("\n")


def test_a_stale_writer_is_refused(cluster: Cluster) -> None:
    ns = cluster.namespace("journal")
    old = ConfigMapJournal(cluster.api, ns, "j").open()
    run = old.start("r1", PLAN, {}).run
    new = ConfigMapJournal(cluster.api, ns, "j").open()  # a new leader took over and wrote
    new.intent(run, MOVE)
    with pytest.raises(JournalError, match=f"configmap {ns}/j: written by another applier"):
        old.intent(run, MOVE)
    (state,) = new.read_runs()
    assert len(state.intents) == 1, "the refused record was not written"


def test_a_new_run_drops_the_ended_runs(cluster: Cluster) -> None:
    ns = cluster.namespace("journal")
    with ConfigMapJournal(cluster.api, ns, "j") as journal:
        journal.start("r1", PLAN, {})
        journal.end("r1")
        journal.start("r2", PLAN, {})
    assert [r.run for r in ConfigMapJournal(cluster.api, ns, "j").read_runs()] == ["r2"]


def test_unreadable_record_names_the_configmap_and_line(cluster: Cluster) -> None:
    ns = cluster.namespace("journal")
    cluster.core.create_namespaced_config_map(
        ns, {"metadata": {"name": "j"}, "data": {KEY: '{"event": "run"}\nnot json\n'}}
    )
    with pytest.raises(JournalError, match=f"configmap {ns}/j: line 1: unreadable journal record"):
        ConfigMapJournal(cluster.api, ns, "j").read_runs()
