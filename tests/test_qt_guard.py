"""tests/qt_guard.py: a Qt warning fails the test it came from; the xcb tests run only on xcb.

Each case runs a small pytest session in a child process, with the guard's hooks loaded the
way tests/conftest.py loads them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT

CONFTEST = """
from tests.qt_guard import (
    pytest_addoption, pytest_collection_modifyitems, pytest_ignore_collect,
    pytest_runtest_makereport, pytest_unconfigure, install,
)
install()
"""

CASES = """
import pytest
from PySide6.QtCore import qWarning


@pytest.fixture
def warns_at_teardown():
    yield
    qWarning("QWidget::repaint: Recursive repaint detected")


def test_quiet(qapp):
    pass


def test_warns(qapp):
    qWarning("QAction::event: Ambiguous shortcut overload: Ctrl+Q")


def test_warns_at_teardown(qapp, warns_at_teardown):
    pass


def test_offscreen_notice(qapp):
    qWarning("This plugin does not support propagateSizeHints()")
    qWarning("This plugin does not support raise()")


@pytest.mark.xcb
def test_on_the_desktop(qapp):
    pass
"""


def run_session(tmp_path: Path, *args: str, platform: str = "offscreen") -> str:
    (tmp_path / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    (tmp_path / "test_cases.py").write_text(CASES, encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": platform, "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--no-qt-log", "-rA",
         "--rootdir", str(tmp_path), "-c", os.devnull, str(tmp_path), *args],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )
    return done.stdout + done.stderr


def outcome(output: str, test: str) -> list[str]:
    return [line.split()[0] for line in output.splitlines() if line.endswith(f"::{test}")
            or f"::{test} " in line]


def test_a_qt_warning_fails_its_test_and_offscreen_notices_do_not(tmp_path: Path) -> None:
    output = run_session(tmp_path)
    assert outcome(output, "test_quiet") == ["PASSED"], output
    assert outcome(output, "test_warns")[0] == "FAILED", output
    assert "Ambiguous shortcut overload: Ctrl+Q" in output
    assert "ERROR" in outcome(output, "test_warns_at_teardown"), output
    assert "Recursive repaint detected" in output
    assert outcome(output, "test_offscreen_notice") == ["PASSED"], output
    skipped = [line for line in output.splitlines() if line.startswith("SKIPPED")]
    assert len(skipped) == 1 and "needs the xcb platform" in skipped[0], output


def test_the_xcb_only_run_refuses_another_platform(tmp_path: Path) -> None:
    output = run_session(tmp_path, "--xcb-only")
    assert "--xcb-only needs QT_QPA_PLATFORM=xcb" in output
