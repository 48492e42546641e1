"""`make bench`: measured figures, each as a ratio against a baseline measured in the same run.

Cold start: the import time of each handler (what Lambda pays before the first event), beside the
import time of boto3 alone. Each handler is timed in fresh interpreters alternating with boto3 alone,
so load from elsewhere on the machine falls on both; the ratio is the median of the paired ratios.
A use case a handler names lazily (``kabar.http.lazy_module``: imported when a route that needs it first
runs) is not in this figure; that route's first request pays for it. Powertools' OpenAPI models are in no
handler's cold start: only making the document imports them.
The figures go to `.kabar/bench/results.json` for `make cost` (bench_results.py).
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
import importlib.util, os, sys, time
sys.path.insert(0, os.path.dirname(sys.argv[1]))  # the function's folder, as Lambda has it (sibling modules)
t, c = time.perf_counter(), time.process_time()
spec = importlib.util.spec_from_file_location("app", sys.argv[1])
module = importlib.util.module_from_spec(spec)
sys.modules["app"] = module  # imported as Lambda imports it: ``app`` by name
spec.loader.exec_module(module)
print(time.perf_counter() - t, time.process_time() - c)
"""
_IMPORT_BOTO3 = ("import time\nt, c = time.perf_counter(), time.process_time()\nimport boto3\n"
                 "print(time.perf_counter() - t, time.process_time() - c)\n")


def _seconds(code: str, *args: str) -> float:
    """CPU seconds of the import (user + system of this process): the cores here are shared, and wall time
    swings with whatever else runs; an import is CPU work (reading a few hundred cached files aside)."""
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True,  # noqa: S603
                         cwd=ROOT, env={"PATH": "/usr/bin:/bin", "POWERTOOLS_SERVICE_NAME": "kabar"})
    return float(out.stdout.strip().splitlines()[-1].split()[1])


def paired(module_file: str, runs: int = RUNS) -> tuple[float, float, float]:
    """(handler seconds, boto3 seconds, ratio): medians over runs, each run one boto3 import then one
    handler import, the ratio the median of the runs' ratios."""
    handler, boto3, ratios = [], [], []
    for _ in range(runs):
        boto3.append(_seconds(_IMPORT_BOTO3))
        handler.append(_seconds(_IMPORT_HANDLER, module_file))
        ratios.append(handler[-1] / boto3[-1])
    return statistics.median(handler), statistics.median(boto3), statistics.median(ratios)


_TRACER = ("import time\nt, c = time.perf_counter(), time.process_time()\nfrom aws_lambda_powertools import Tracer\n"
           "Tracer(service='kabar')\nprint(time.perf_counter() - t, time.process_time() - c)\n")


def paired_code(code: str, runs: int = RUNS) -> tuple[float, float, float]:
    """As ``paired``, for a snippet instead of a handler."""
    timed, boto3, ratios = [], [], []
    for _ in range(runs):
        boto3.append(_seconds(_IMPORT_BOTO3))
        timed.append(_seconds(code))
        ratios.append(timed[-1] / boto3[-1])
    return statistics.median(timed), statistics.median(boto3), statistics.median(ratios)


def cold_start(runs: int = RUNS) -> list[tuple[str, float, float, float]]:
    """(function, handler seconds, boto3 seconds, ratio) for every function of the template."""
    model = load_model(ROOT / "template.yaml", parameters={"MailFrom": "kabar@example.org"})
    return [(fn.logical_id, *paired(str(fn.module_file), runs))
            for fn in sorted(model.functions, key=lambda f: f.logical_id)]


#: The goal (issue 15): no handler imports slower than this many times `import boto3`.
COLD_START_LIMIT = 1.5


def print_cold_start(runs: int = RUNS) -> list[tuple[str, float, float, float]]:
    from .bench_results import record

    record("cold_start_runs", runs)
    print(f"Cold start: handler import CPU time against `import boto3`, {runs} fresh interpreters each, alternating\n")
    rows = cold_start(runs)
    label = "(Powertools Tracer(), not used)"
    width = max([len(label)] + [len(name) for name, *_ in rows])
    print(f"  {'function':<{width}}  {'handler':>9}  {'boto3':>8}  ratio")
    for name, seconds, base, ratio in rows:
        flag = "" if ratio <= COLD_START_LIMIT else f"   over x{COLD_START_LIMIT}"
        print(f"  {name:<{width}}  {seconds * 1000:6.1f} ms  {base * 1000:5.1f} ms  x{ratio:4.2f}{flag}")
    tracer, base, ratio = paired_code(_TRACER)
    print(f"  {label:<{width}}  {tracer * 1000:6.1f} ms  {base * 1000:5.1f} ms  x{ratio:4.2f}"
          "   what the X-Ray SDK would add to every cold start (docs/operations.md)")
    record("tracer_import_ms", round(tracer * 1000, 1))
    worst = max(rows, key=lambda row: row[3])
    print(f"  slowest: {worst[0]} x{worst[3]:.2f} (goal: every handler within x{COLD_START_LIMIT})")
    record("cold_start_ms", {"boto3": round(statistics.median(base for *_, base, _ in rows) * 1000, 1),
                             **{name: round(seconds * 1000, 1) for name, seconds, _, _ in rows}})
    record("cold_start_ratio", {name: round(ratio, 3) for name, _, _, ratio in rows})
    return rows


def main() -> int:
    print_cold_start()
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
