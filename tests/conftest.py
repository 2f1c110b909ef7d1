"""Shared fixtures: every test runs with HOME, XDG dirs and the default database in tmp."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.backends import (  # noqa: F401  (sqlite and postgresql)
    backend,
    own_cluster,
    pg_cluster,
    pg_cluster_with_password,
)
from tests.db_guard import _one_owner_guard  # noqa: F401  (autouse: one owner per database)
from tests.db_guard import install as install_db_guard
from tests.profile_guard import (  # noqa: F401  (hooks: the run fails if the real profile changed)
    pytest_configure,
    pytest_runtest_logfinish,
    pytest_sessionfinish,
    pytest_terminal_summary,
)
from tests.qt_guard import install as install_qt_guard
from tests.qt_guard import (  # noqa: F401  (hooks: a Qt warning fails its test; the xcb run)
    pytest_addoption,
    pytest_collection_modifyitems,
    pytest_ignore_collect,
    pytest_runtest_makereport,
    pytest_unconfigure,
)

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
install_db_guard()
install_qt_guard()

# The suite runs a few hundred examples per property; `--hypothesis-profile=long` runs the
# separate long fuzzing session (thousands per property).
settings.register_profile(
    "default", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "long", max_examples=5000, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
FORMATS = SHARED / "formats"


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for var, sub in (
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_STATE_HOME", ".local/state"),
    ):
        path = home / sub
        path.mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(var, str(path))
    monkeypatch.delenv("ANNOTATOR_DB", raising=False)
    return home


def require_shared(path: Path) -> Path:
    """Skip (with a clear reason) when ../shared is not beside the checkout."""
    if not path.exists():
        pytest.skip(f"{path} not found: the shared corpus is not beside this checkout")
    return path
