"""The session check of tests/profile_guard.py fails a run that writes to the real profile.

Each case runs pytest in a subprocess on a small test file beside a copy of tests/conftest.py,
with HOME and XDG_* pointing at a fake "real" home inside tmp_path (the real one is never used).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

LEAKS = {
    # What tests/gui/test_mainwindow.py once did: undo() also undid the HOME/XDG isolation.
    "settings": """
def test_undo_everything(monkeypatch):
    monkeypatch.undo()
    from annotator.core.settings import Settings, save_settings
    save_settings(Settings(author="leak"))
""",
    "database": """
def test_default_database(monkeypatch):
    monkeypatch.undo()
    from annotator.core.store import default_db_path
    default_db_path().parent.mkdir(parents=True, exist_ok=True)
    default_db_path().write_bytes(b"")
""",
    "none": """
def test_isolated_writes(monkeypatch):
    from annotator.core.settings import Settings, save_settings
    save_settings(Settings(author="fine"))
""",
}


def run_suite(tmp_path: Path, test_source: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    home = tmp_path / "real-home"
    (home / ".config" / "annotator").mkdir(parents=True)
    (home / ".config" / "annotator" / "settings.json").write_text('{"author": "Real"}\n')
    suite = tmp_path / "suite"
    suite.mkdir()
    shutil.copy(REPO_ROOT / "tests" / "conftest.py", suite / "conftest.py")
    (suite / "test_leak.py").write_text(test_source)
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith("XDG_") and key != "ANNOTATOR_DB"
    }
    env.update(HOME=str(home), PYTHONPATH=str(REPO_ROOT), QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "--rootdir", str(suite), str(suite / "test_leak.py")],
        capture_output=True, text=True, cwd=suite, env=env, timeout=240,
    )
    return result, home


@pytest.mark.parametrize(("leak", "changed"), [
    ("settings", ".config/annotator/settings.json: changed: size"),
    ("database", ".local/share/annotator: created"),
])
def test_a_run_that_writes_to_the_real_profile_fails(
    tmp_path: Path, leak: str, changed: str
) -> None:
    result, home = run_suite(tmp_path, LEAKS[leak])
    output = result.stdout + result.stderr
    assert "1 passed" in output, output  # the test itself passed...
    assert result.returncode == 1, output  # ...and the run failed all the same
    assert "the real user profile was changed" in output
    assert f"{home}/{changed}" in output, output
    assert "first seen after test_leak.py::" in output, output


def test_a_run_that_stays_in_tmp_passes(tmp_path: Path) -> None:
    result, home = run_suite(tmp_path, LEAKS["none"])
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "real user profile" not in output
    assert (home / ".config" / "annotator" / "settings.json").read_text() == '{"author": "Real"}\n'
