"""``make bench-scale`` at a tiny size: it exits 0 only when every job finished for every village.

Given a few villages, when every job runs for all, the bench exits 0 and prints each job's per-village
figures at both sizes, the memory of the job runner and of moto (its own process), the flatness verdict
and the modelled time for 84,000 villages. When one village's run of one job keeps failing, the bench
exits 1 and names the job and the village whose run is not recorded done.
"""

from __future__ import annotations

import json

import pytest

from kabar_local import bench_scale
from kabar_local.lambda_runtime import LambdaRuntime

pytestmark = pytest.mark.xdist_group("kabar-local-moto")


def test_every_job_finished_for_every_village(capsys):
    assert bench_scale.main(["--villages", "3", "--baseline", "2", "--activities", "1"]) == 0
    out = capsys.readouterr().out
    for job, *_ in bench_scale.JOBS:
        line = next(line for line in out.splitlines() if line.strip().startswith(job + " "))
        assert line.rstrip().endswith("yes"), line
    assert "moto in its own process (answering by partition)" in out
    assert "flat from 2 to 3:" in out and "Modelled for 84,000 villages" in out and "every job once" in out


def test_a_village_whose_run_never_finishes_is_named(monkeypatch, capsys):
    invoke = LambdaRuntime.invoke

    def failing(self, function_id, event, *args, **kwargs):
        for record in (event or {}).get("Records", []) if isinstance(event, dict) else []:
            body = json.loads(record["body"])
            if body.get("job") == "sla-watch" and body.get("tenant_id") == "desa-00001":
                raise RuntimeError("this village's run fails")
        return invoke(self, function_id, event, *args, **kwargs)

    monkeypatch.setattr(LambdaRuntime, "invoke", failing)
    assert bench_scale.main(["--villages", "3", "--baseline", "2", "--activities", "1"]) == 1
    captured = capsys.readouterr()
    assert "NOT every job finished for every village" in captured.err
    assert "sla-watch at 2: desa-00001" in captured.err and "sla-watch at 3: desa-00001" in captured.err
    assert "token-watch at" not in captured.err
