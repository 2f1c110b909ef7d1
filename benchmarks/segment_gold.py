"""Score the sentence splitter on every gold document in ../shared/corpus/gold.

Prints a Markdown table of boundary precision, recall and F1 per document (the scoring of
../shared/corpus/README.md). With `--wrapped`, each briefing is also hard-wrapped at several
widths (as PDF text and mailed letters are) and scored against the same gold units, moved onto
the wrapped text: line breaks must decide nothing by themselves.
Run: `.venv/bin/python benchmarks/segment_gold.py [--wrapped]`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from annotator.core.segment import segment  # noqa: E402
from annotator.core.segment_score import hard_wrap, score_boundaries  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus"
WIDTHS = (50, 60, 72)
FLOOR = 0.99


def score_row(name: str, text: str, gold: list[tuple[int, int]]) -> tuple[str, float]:
    predicted = [(u.start, u.end) for u in segment(text)]
    p, r, f1, tp, fp, fn = score_boundaries(gold, predicted, text)
    return f"| {name} | {p:.3f} | {r:.3f} | {f1:.3f} | {tp} | {fp} | {fn} |", f1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--wrapped", action="store_true", help="also score hard-wrapped copies")
    args = parser.parse_args()
    gold_files = sorted((CORPUS / "gold").glob("*.sentences.json"))
    if not gold_files:
        print(f"no gold files under {CORPUS / 'gold'}", file=sys.stderr)
        return 1
    print("| document | precision | recall | F1 | TP | FP | FN |")
    print("|---|---|---|---|---|---|---|")
    worst = 1.0
    for gold_path in gold_files:
        name = gold_path.name.removesuffix(".sentences.json")
        text = (CORPUS / "briefings" / f"{name}.txt").read_text(encoding="utf-8")
        gold = [(s, e) for s, e in json.loads(gold_path.read_text(encoding="utf-8"))]
        row, f1 = score_row(name, text, gold)
        worst = min(worst, f1)
        print(row)
        for width in WIDTHS if args.wrapped else ():
            wrapped, moved_gold = hard_wrap(text, width, gold)
            row, f1 = score_row(f"{name}, wrapped at {width}", wrapped, moved_gold)
            worst = min(worst, f1)
            print(row)
    return 0 if worst >= FLOOR else 1


if __name__ == "__main__":
    import isolation  # HOME and XDG_* in a temporary folder: the real profile stays untouched

    isolation.isolate()
    sys.exit(main())
