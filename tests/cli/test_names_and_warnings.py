"""The command line never prints a file name's or a title's control characters raw, and says
when a file was imported with bytes replaced."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest

from annotator.cli import main

BODY = "Officials reported 40 attacks in the north. The ministry confirmed the figure.\n"
EVIL = "brief\x1b[31mred\x07.txt"
WARNING = "damaged.txt: 3 bytes were not valid UTF-8 and were replaced (shown as \ufffd)"
# Anything a terminal would act on: C0 (but the line ends print() writes), DEL, C1, bidi.
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_safe(*outputs: str) -> None:
    for output in outputs:
        assert not RAW_CONTROL.search(output), repr(output)


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "cli.sqlite3")


def test_import_list_show_escape_control_characters(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    evil = tmp_path / EVIL
    evil.write_text(BODY, encoding="utf-8")
    newline = tmp_path / "two\nlines.txt"
    newline.write_text("Second brief. It has two sentences.\n", encoding="utf-8")

    code, out, err = run(capsys, "import", "--db", db, str(evil), str(newline))
    assert code == 0, err
    assert_safe(out, err)
    assert "imported brief\\x1b[31mred\\x07.txt as document 1" in out
    assert "imported two\\nlines.txt as document 2" in out
    assert len(out.splitlines()) == 2  # one line per file

    code, out, err = run(capsys, "list", "--db", db)
    assert code == 0 and "brief [31mred" in out
    assert_safe(out, err)

    code, out, err = run(capsys, "show", "1", "--db", db)
    assert code == 0 and "# brief [31mred" in out
    assert "source: brief\\x1b[31mred\\x07.txt" in out
    assert_safe(out, err)

    code, out, _ = run(capsys, "list", "--db", db, "--json")
    assert_safe(out)
    assert [doc["source_name"] for doc in json.loads(out)] == [EVIL, "two\nlines.txt"]


def test_errors_naming_a_file_are_escaped(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    empty = tmp_path / "empty\x1b]0;pwned\x07.txt"
    empty.write_bytes(b"")
    code, out, err = run(capsys, "import", "--db", db, str(empty), str(tmp_path / "gone\n.txt"))
    assert code == 1
    assert_safe(out, err)
    assert "empty\\x1b]0;pwned\\x07.txt: empty file; nothing imported" in err
    assert "gone\\n.txt: file not found; nothing imported" in err
    assert len(err.splitlines()) == 2

    code, out, err = run(capsys, "export", "--db", db, "-f", "csv", "-o",
                         str(tmp_path / "no\x1bdir" / "out.csv"))
    assert code == 1
    assert_safe(out, err)
    assert "no\\x1bdir" in err and len(err.splitlines()) == 1


@pytest.mark.skipif(sys.platform != "linux", reason="only Linux file names may hold any bytes")
def test_a_file_name_that_is_not_utf8_is_shown_by_its_bytes(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    path = Path(os.fsdecode(os.fsencode(tmp_path) + b"/bad\xffname.txt"))
    path.write_text(BODY, encoding="utf-8")
    code, out, err = run(capsys, "import", "--db", db, str(path))
    assert code == 0, err
    assert "imported bad\\xffname.txt as document 1" in out
    code, out, err = run(capsys, "import", "--db", db, "--json", str(path))
    assert code == 0
    (outcome,) = json.loads(out)
    assert outcome["duplicate_of"] == 1
    assert_safe(out, err)
    out.encode("utf-8")  # printable: no lone surrogate reached the stream


def test_export_and_merge_messages_escape_names(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    source = tmp_path / EVIL
    source.write_text(BODY, encoding="utf-8")
    assert run(capsys, "import", "--db", db, str(source))[0] == 0
    out_path = tmp_path / "spans\x1b[2J.jsonl"
    code, out, err = run(capsys, "export", "--db", db, "-f", "jsonl-spans", "-o", str(out_path))
    assert code == 0, err
    assert_safe(out, err)
    assert "spans\\x1b[2J.jsonl" in out and out_path.exists()

    code, out, err = run(capsys, "merge", "--db", db, str(tmp_path / "missing\x07.sqlite3"))
    assert code == 1
    assert_safe(out, err)
    assert "missing\\x07.sqlite3" in err


def test_import_warns_about_replaced_bytes(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    path = tmp_path / "damaged.txt"
    path.write_bytes(
        "Министерство сообщило о 40 погибших. ".encode() + b"\x92\xff\xe9"
        + "Данные подтверждены.".encode()
    )
    code, out, err = run(capsys, "import", "--db", db, str(path))
    assert code == 0
    assert "imported damaged.txt as document 1" in out
    assert err.splitlines() == [f"warning: {WARNING}"]

    code, out, _ = run(capsys, "import", "--db", db, "--json", "--allow-duplicate", str(path))
    assert code == 0
    assert json.loads(out)[0]["warnings"] == [WARNING]

    code, out, err = run(capsys, "segment", "--json", str(path))
    assert code == 0 and json.loads(out)
    assert err.splitlines() == [f"warning: {WARNING}"]

    clean = tmp_path / "clean.txt"
    clean.write_text(BODY, encoding="utf-8")
    code, out, err = run(capsys, "import", "--db", db, "--json", str(clean))
    assert code == 0 and err == "" and json.loads(out)[0]["warnings"] == []
