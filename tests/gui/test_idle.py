"""IdleWork: jobs run a step at a time, in order, between events (annotator/gui/idle.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from annotator.gui.idle import IdleWork


def job(name: str, steps: int, log: list[str]) -> Iterator[None]:
    for step in range(steps):
        log.append(f"{name}{step}")
        yield


def test_jobs_run_in_order_replaced_and_cancelled(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(IdleWork, "SLICE", 0.0)  # one step per slice
    idle = IdleWork()
    log: list[str] = []
    idle.add("a", job("a", 3, log))
    idle.add("b", job("b", 2, log))
    idle.add("c", job("c", 2, log))
    idle.add("a", job("A", 1, log))  # replaces a, queued last
    idle.cancel("c")
    assert idle.pending() and idle.pending("a") and not idle.pending("c")
    with qtbot.waitSignal(idle.settled):
        pass
    assert log == ["b0", "b1", "A0"]
    assert not idle.pending()


def test_a_failing_job_is_reported_and_the_others_go_on(qtbot: QtBot) -> None:
    idle = IdleWork()
    log: list[str] = []

    def broken() -> Iterator[None]:
        yield
        raise OSError("disk gone")

    failures: list[tuple[str, object]] = []
    idle.failed.connect(lambda name, error: failures.append((name, error)))
    idle.add("broken", broken())
    idle.add("fine", job("f", 2, log))
    with qtbot.waitSignal(idle.settled):
        pass
    assert [name for name, _error in failures] == ["broken"]
    assert isinstance(failures[0][1], OSError)
    assert log == ["f0", "f1"]
