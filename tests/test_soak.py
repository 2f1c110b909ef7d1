"""A short soak (benchmarks/soak.py runs the long one): the window, the command line and a
script on one database at once lose nothing any of them saw committed.

The window's session is seeded and bounded (about 10 s of actions, then File > Quit); each
step of the run has a timeout, and the whole test a pytest timeout.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "benchmarks"))

import soak  # noqa: E402

SESSION_SECONDS = 10.0


def assert_nothing_lost(result: soak.SoakResult) -> None:
    assert result.ok, "\n" + result.table()
    window, cli, api = result.reports
    # The run did what it is for: each process wrote, and the window exported, imported and
    # merged (each opens a store of the window's own on the database) among its edits.
    assert window.changes >= 10 and cli.changes >= 2 and api.changes >= 10, result.table()
    for action in ("export", "import", "merge", "toggle"):
        assert window.actions.get(action, 0) >= 1, f"no {action}:\n{result.table()}"


@pytest.mark.timeout(600)
def test_three_processes_lose_nothing_when_the_window_quits(tmp_path: Path) -> None:
    result = soak.run_soak(tmp_path / "soak", seed=13, seconds=SESSION_SECONDS, rounds=2000)
    assert_nothing_lost(result)


@pytest.mark.timeout(600)
def test_three_processes_lose_nothing_journaled_when_the_window_is_killed(
    tmp_path: Path,
) -> None:
    result = soak.run_soak(
        tmp_path / "soak", seed=14, seconds=SESSION_SECONDS, rounds=2000, kill=True
    )
    assert_nothing_lost(result)
