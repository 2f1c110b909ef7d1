"""A quick variant of the durability trials (benchmarks/durability.py runs 100)."""

from __future__ import annotations

import sys

from tests.conftest import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "benchmarks"))

import durability  # noqa: E402


def test_planned_states_are_consistent() -> None:
    plan = durability.planned_ops(7, 300)
    final = durability.state_after(plan, len(plan))
    assert final and all(start < end for start, end, _tags, _value in final.values())


def test_sigkill_mid_write_loses_nothing_reported_and_never_corrupts() -> None:
    results = durability.run_trials(6, seed0=4242)
    assert all(r.reported > 0 for r in results), "the child must be killed while writing"
    failures = [r for r in results if not r.ok]
    assert failures == [], failures


def test_sigkill_with_an_external_reader_loses_nothing_reported() -> None:
    """Another process keeps reading the files with open()/read/close and running
    `annotator list` while the child writes and after it is killed."""
    results = durability.run_trials(3, seed0=5252, external=True)
    assert all(r.reported > 0 for r in results), "the child must be killed while writing"
    assert all(r.reader_lists >= 2 for r in results), "the reader must run during each trial"
    failures = [r for r in results if not r.ok]
    assert failures == [], failures
