"""Nothing is ever sent over a network: imports and exports run with sockets forbidden."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from annotator.core import ops
from annotator.core.dataset import load_dataset, set_caveat
from annotator.core.exporters.registry import FORMATS, export
from annotator.core.importing import import_files
from annotator.core.store import open_store

HOSTILE_HTML = """<!doctype html><html lang="en"><head>
<link rel="stylesheet" href="https://example.org/style.css">
<script src="https://example.org/tracker.js"></script>
<meta http-equiv="refresh" content="0; url=https://example.org/">
</head><body>
<img src="https://example.org/pixel.png" alt="tracking pixel">
<iframe src="https://example.org/frame"></iframe>
<h1>Port closure report</h1>
<p>The port was closed on 3 May 2024, officials said. <a href="https://example.org/x">More</a></p>
<p style="background:url(https://example.org/bg.png)">Shipping fell by about 40%.</p>
</body></html>
"""


class NetworkUsed(AssertionError):
    pass


@pytest.fixture
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise NetworkUsed("a socket was opened")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_import_and_every_export_without_network(
    tmp_path: Path, no_sockets: None
) -> None:
    page = tmp_path / "report.html"
    page.write_text(HOSTILE_HTML, encoding="utf-8")
    with open_store(tmp_path / "db.sqlite3") as store:
        (outcome,) = import_files(store, [page])
        assert outcome.ok, outcome.error
        assert outcome.document_id is not None
        set_caveat(store, "TLP:AMBER")
        ops.create_annotation(store, outcome.document_id, 0, 10, "ana", ["claim"])
        dataset = load_dataset(store)
    text = dataset.documents[0].text
    assert "example.org" not in text and "The port was closed" in text
    out = tmp_path / "out"
    out.mkdir()
    for name, fmt in FORMATS.items():
        result = export(dataset, name, out / f"export-{name}{fmt.suffix}")
        assert result.path.exists()
    # export outputs name no remote resource that a viewer would fetch
    report = (out / "export-html.html").read_text(encoding="utf-8")
    assert "http://" not in report.replace("http://www.w3.org", "")
    assert "https://" not in report
