"""Take the user guide's screenshot of View > Annotations: the table over a few briefings of
../shared/corpus (Arabic included) with claims, assessments and figures, filtered by a field
condition and sorted by likelihood, saved as a view, two rows selected for Edit Selected,
from the real window on a temporary database.

Run under a virtual screen: `xvfb-run -a -s "-screen 0 1366x768x24" .venv/bin/python
scripts/screenshot_table.py docs/` (writes docs/guide-annotations-table.png).
"""

from __future__ import annotations

import random
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from shots import open_window, save  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus" / "briefings"
BRIEFINGS = (
    "02_dia-houthi-shipping-2024.txt",
    "05_crs-iran-us-policy-2022.txt",
    "12_fr-whitehouse-syria-chemical-2017.txt",
    "13_ar-ct-strategy-statement-2018.txt",
)
LIKELIHOOD = ("unlikely", "roughly_even_chance", "likely", "very_likely", "almost_certain")


def annotate(store: object, document_id: int, rng: random.Random) -> None:
    from annotator.core import ops
    from annotator.core.queries import document_detail

    detail = document_detail(store, document_id)  # type: ignore[arg-type]
    made = []
    for unit in detail.units[1::2][:24]:
        if unit.kind == "skipped" or unit.end - unit.start < 20:
            continue
        tag = rng.choice(("claim", "assessment", "figure"))
        fields = {
            "claim": {
                "attributed_to": "officials",
                "source_reliability": rng.choice("ABC"),
                "information_credibility": rng.choice("123"),
            },
            "assessment": {
                "likelihood": rng.choice(LIKELIHOOD),
                "confidence": rng.choice(("low", "moderate", "high")),
            },
            "figure": {"value": rng.randrange(1, 20) * 100_000, "unit": "USD"},
        }[tag]
        made.append(
            ops.NewAnnotation(
                start=unit.start,
                end=unit.end,
                author=rng.choice(("Dana Analyst", "Ben")),
                tags=[tag],
                note="",
                fields={tag: fields},
            )
        )
    ops.bulk_add_annotations(store, document_id, made)  # type: ignore[arg-type]


def main(out_dir: Path) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="annotator-shots-"))
    from PySide6.QtCore import Qt

    from annotator.core.importing import import_file
    from annotator.core.store import open_store
    from annotator.gui.app import application
    from annotator.gui.table.model import COLUMNS
    from annotator.gui.table.window import show_table

    app = application()
    db = tmp / "analyst.sqlite3"
    rng = random.Random(16)
    with open_store(db) as store:
        paths = [CORPUS / name for name in BRIEFINGS if (CORPUS / name).exists()]
        for path in [REPO / "resources" / "sample-briefing.txt", *paths]:
            document_id = import_file(store, path).document_id
            if document_id is not None:
                annotate(store, document_id, rng)
    window = open_window(db, "Dana Analyst")
    view = show_table(window)
    view.resize(1340, 600)
    view.move(10, 10)
    view.fill_choices()  # (the window fills them after its first paint)
    view.filters.tag.setCurrentIndex(view.filters.tag.findData("assessment"))
    view.filters.fields.setText("likelihood>=roughly_even_chance")
    view.filters.apply()
    header = view.table.horizontalHeader()
    header.setSortIndicator(COLUMNS.index("likelihood"), Qt.SortOrder.DescendingOrder)
    for place, key in enumerate(("likelihood", "confidence"), start=COLUMNS.index("text") + 1):
        header.moveSection(header.visualIndex(COLUMNS.index(key)), place)
    header.resizeSection(COLUMNS.index("issuer"), 90)
    view.saved_views.save("Likely assessments")  # shown in the Saved view combo
    view.table.selectRow(1)
    view.table.selectionModel().select(
        view.model.index(2, 0),
        view.table.selectionModel().SelectionFlag.Select
        | view.table.selectionModel().SelectionFlag.Rows,
    )
    save(view, out_dir / "guide-annotations-table.png", app)
    view.close()
    window.ctx.store.close()
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO / "benchmarks"))
    import isolation  # HOME and XDG_* in a temporary folder: the real profile stays untouched

    isolation.isolate()
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs")))
