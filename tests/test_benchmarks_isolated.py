"""Every benchmark script runs with its profile in a temporary folder: a benchmark that builds
the window saves settings (recent databases, geometry) through platformdirs, which once wrote
the real ~/.config/annotator (search_gui_bench.py). Each script started as a program calls
`isolation.isolate()` in its `__main__` block before anything else."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
# Started only by callers that isolate the profile first and pass it on: window_driver.py is the
# child of tests/test_lost_writes.py (the suite's temporary HOME) and of soak.py (isolated).
CHILDREN = {"window_driver.py"}
SCRIPTS = sorted(
    path
    for path in BENCHMARKS.glob("*.py")
    if 'if __name__ == "__main__":' in path.read_text(encoding="utf-8")
    and path.name not in CHILDREN
)


def _main_block(tree: ast.Module) -> list[ast.stmt]:
    for node in tree.body:
        if (
            isinstance(node, ast.If)
            and isinstance(node.test, ast.Compare)
            and isinstance(node.test.left, ast.Name)
            and node.test.left.id == "__name__"
        ):
            return node.body
    return []


def test_there_are_benchmark_scripts() -> None:
    assert len(SCRIPTS) >= 10


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_each_benchmark_isolates_the_profile_first(script: Path) -> None:
    body = _main_block(ast.parse(script.read_text(encoding="utf-8")))
    calls = [
        node
        for statement in body
        for node in ast.walk(statement)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "isolate"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "isolation"
    ]
    assert calls, f"{script.name}: its __main__ block does not call isolation.isolate()"
    first_call = min(c.lineno for c in calls)
    work = [
        s.lineno
        for s in body
        if not isinstance(s, ast.Import | ast.ImportFrom)
        and not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Call) and s.value in calls)
    ]
    assert not work or min(work) >= first_call, f"{script.name}: work runs before isolate()"
