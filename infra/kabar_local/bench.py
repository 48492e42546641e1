"""`make bench`: measured figures, each as a ratio against a baseline measured in the same run.

Cold start: the import time of each handler (what Lambda pays before the first event), beside the
import time of boto3 alone. Each figure is the median of several fresh interpreters.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path

from .template import load_model

ROOT = Path(__file__).resolve().parents[2]
RUNS = 7

_IMPORT_HANDLER = """
import importlib.util, sys, time
t = time.perf_counter()
spec = importlib.util.spec_from_file_location("app", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print(time.perf_counter() - t)
"""
_IMPORT_BOTO3 = "import time\nt = time.perf_counter()\nimport boto3\nprint(time.perf_counter() - t)\n"


def _median_seconds(code: str, *args: str) -> float:
    samples = []
    for _ in range(RUNS):
        out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True,  # noqa: S603
                             cwd=ROOT, env={"PATH": "/usr/bin:/bin", "POWERTOOLS_SERVICE_NAME": "kabar"})
        samples.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(samples)


def cold_start() -> list[tuple[str, float]]:
    model = load_model(ROOT / "template.yaml", parameters={"MailFrom": "kabar@example.org"})
    baseline = _median_seconds(_IMPORT_BOTO3)
    rows = [("boto3 alone (baseline)", baseline)]
    for fn in sorted(model.functions, key=lambda f: f.logical_id):
        rows.append((fn.logical_id, _median_seconds(_IMPORT_HANDLER, str(fn.module_file))))
    return rows


def main() -> int:
    print(f"Cold start: handler import time, median of {RUNS} fresh interpreters, ratio to boto3 alone\n")
    rows = cold_start()
    baseline = rows[0][1]
    width = max(len(name) for name, _ in rows)
    for name, seconds in rows:
        print(f"  {name:<{width}}  {seconds * 1000:7.1f} ms   x{seconds / baseline:5.2f}")
    from .bench_report import print_fanout, print_report_formats

    print_report_formats()
    print_fanout()
    from .bench_pii import print_pii_screening

    print_pii_screening()
    from .bench_drafting import print_drafting

    print_drafting()
    from .bench_video import print_video

    print_video()
    from .bench_intake import main as intake_bench

    print()
    intake_bench()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
