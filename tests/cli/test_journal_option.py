"""Where the applier's journal lives: ``--journal`` in an existing folder, else the per-user state folder
(issue #15: a journal under a missing folder, a default relative to the working folder)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from govcloud.applying import journal_path
from scheduler.apply.journal import JournalError


def _args(journal: Path | None, kind: str = "openstack") -> argparse.Namespace:
    return argparse.Namespace(journal=None if journal is None else str(journal), **{kind: True})


@pytest.mark.parametrize("kind", ["openstack", "kubernetes"])
def test_the_default_is_per_source_in_the_state_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)
    assert journal_path(_args(None, kind)) == tmp_path / "state" / "govcloud" / f"journal-{kind}.jsonl"


def test_an_explicit_journal_in_an_existing_folder_is_taken_as_is(tmp_path: Path) -> None:
    assert journal_path(_args(tmp_path / "j.jsonl")) == tmp_path / "j.jsonl"


def test_an_explicit_journal_under_a_missing_folder_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "missing" / "j.jsonl"
    with pytest.raises(JournalError) as caught:
        journal_path(_args(path))
    assert str(caught.value) == f"{path}: cannot use this journal: the folder {path.parent} does not exist"
    assert not path.parent.exists()


def test_an_explicit_journal_under_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(JournalError, match=r"the folder .*file is not a folder"):
        journal_path(_args(tmp_path / "file" / "j.jsonl"))
