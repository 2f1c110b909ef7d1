"""The cold-start child of both sides: `cold_start.py floor T0` or `cold_start.py app DB T0`.

One small entry script for the floor and the app, so that both children pay the same for
what is not theirs: Python compiles the script it is started with at every start (it caches
only imported modules), and gui_bench.py, about three times the size of floors.py, took some
milliseconds more to compile than the floor's own script. Here each side's code is imported,
from compiled bytecode as an installed app's is; each prints one JSON line of phases.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

if __name__ == "__main__":
    import isolation  # HOME and XDG_* in a temporary folder: the real profile stays untouched

    isolation.isolate()
    kind = sys.argv[1:2]
    if kind == ["floor"]:
        import floors

        result = floors._cold_start_child(float(sys.argv[2]))
    elif kind == ["app"]:
        import gui_bench

        result = gui_bench._cold_start_child(Path(sys.argv[2]), float(sys.argv[3]))
    else:
        print("usage: cold_start.py floor T0 | app DB T0", file=sys.stderr)
        sys.exit(2)
    print(json.dumps(result))
