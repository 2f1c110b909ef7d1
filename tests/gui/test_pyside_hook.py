"""pyside_hook: PySide6's per-import check answered from the file's bytes (issue 15)."""

from __future__ import annotations

import linecache
import sys
from pathlib import Path

import pytest

from annotator import pyside_hook


def _feature() -> object:
    import annotator.gui  # noqa: F401  (imports PySide6 and installs the quicker check)

    if not pyside_hook.install():
        pytest.skip("this PySide6 has no per-import source check to quicken")
    return sys.modules[pyside_hook.FEATURE_MODULE]


def test_installed_once_the_window_package_is_imported() -> None:
    quick = _feature()._mod_uses_pyside  # type: ignore[attr-defined]
    assert getattr(quick, pyside_hook._QUICK, False)
    assert pyside_hook.install()  # again: still the one quick check, not wrapped twice
    assert _feature()._mod_uses_pyside is quick  # type: ignore[attr-defined]


def test_same_answer_as_pyside_and_no_source_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A module that names PySide6 (anywhere, in any encoding Python reads) is said to use
    it, another is not; importing them leaves their source out of linecache."""
    (tmp_path / "hook_uses.py").write_text(
        "# -*- coding: latin-1 -*-\n# café\nimport PySide6.QtCore\nX = 1\n", encoding="latin-1"
    )
    (tmp_path / "hook_plain.py").write_text("Y = 2  # no Qt here\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    feature = _feature()
    quick = feature._mod_uses_pyside  # type: ignore[attr-defined]
    linecache.clearcache()
    # As an import statement does (PySide6's hook sits in builtins.__import__).
    uses = __import__("hook_uses")
    plain = __import__("hook_plain")
    try:
        assert quick(uses) is True and quick(plain) is False
        assert feature.pyside_feature_dict["hook_uses"] == 0  # type: ignore[attr-defined]
        assert feature.pyside_feature_dict["hook_plain"] == -1  # type: ignore[attr-defined]
        assert not [name for name in linecache.cache if "hook_" in name]
        assert quick(sys) is False  # a built-in module: PySide6's own check answers
    finally:
        for name in ("hook_uses", "hook_plain"):
            sys.modules.pop(name, None)
            feature.pyside_feature_dict.pop(name, None)  # type: ignore[attr-defined]
