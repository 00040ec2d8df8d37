"""Run every benchmark in bench/ (files named *_bench.py), one after the other.

Usage: `make bench` or `.venv/bin/python bench/run.py [name ...]` (e.g. `calendar`).
Each script prints its own figures; they are copied into docs/benchmarks.md by hand with the
machine's description.
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(names):
    scripts = sorted(HERE.glob("*_bench.py"))
    if names:
        scripts = [s for s in scripts if any(s.stem.startswith(n) for n in names)]
    failed = []
    for script in scripts:
        print(f"=== {script.stem}", flush=True)
        if subprocess.call([sys.executable, str(script)], cwd=HERE.parent) != 0:
            failed.append(script.stem)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main(sys.argv[1:])
