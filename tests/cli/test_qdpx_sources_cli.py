"""`annotator import` of a REFI-QDA project whose sources live outside the archive: each source
left out is reported on its own line with the codings it costs."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.cli import main
from annotator.core.store import open_store
from tests.core.interchange.test_refiqda_external import (
    EXPECTED,
    TEXT,
    TWO_SPANS,
    qdpx,
    quoted,
    source,
)


def test_cli_import_reports_each_skipped_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "project"
    path = qdpx(
        folder,
        source("brief.txt", "relative://brief.txt", TWO_SPANS, 1),
        source("interview.txt", "relative://interview.txt", TWO_SPANS[:1], 2),
    )
    (folder / "brief.txt").write_text(TEXT, encoding="utf-8")
    db = str(tmp_path / "cli.sqlite3")
    code = main(["import", "--db", db, str(path)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "merged project.qdpx: 2 annotation(s) added" in out
    assert err.splitlines() == [
        "warning: project.qdpx: interview.txt: source not found next to the project "
        "(relative://interview.txt); 1 coding skipped"
    ]
    with open_store(Path(db)) as opened:
        assert quoted(opened) == EXPECTED

    (folder / "brief.txt").unlink()
    code = main(["import", "--db", str(tmp_path / "other.sqlite3"), str(path)])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert err.splitlines() == [
        "project.qdpx: no text source this version can import; brief.txt: source not found "
        "next to the project (relative://brief.txt) (and 1 more); nothing imported"
    ]
