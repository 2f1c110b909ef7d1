"""Score the sentence splitter on every gold document in ../shared/corpus/gold.

Prints a Markdown table of boundary precision, recall and F1 per document (the scoring of
../shared/corpus/README.md). Run: `.venv/bin/python benchmarks/segment_gold.py`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from annotator.core.segment import segment  # noqa: E402
from annotator.core.segment_score import score_boundaries  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus"


def main() -> int:
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
        predicted = [(u.start, u.end) for u in segment(text)]
        p, r, f1, tp, fp, fn = score_boundaries(gold, predicted, text)
        worst = min(worst, f1)
        print(f"| {name} | {p:.3f} | {r:.3f} | {f1:.3f} | {tp} | {fp} | {fn} |")
    return 0 if worst >= 0.98 else 1


if __name__ == "__main__":
    import isolation  # HOME and XDG_* in a temporary folder: the real profile stays untouched

    isolation.isolate()
    sys.exit(main())
