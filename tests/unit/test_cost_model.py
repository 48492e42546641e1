"""`make cost` is computed from the template, the bench's durations and the dated price table: change
one of them and the figure moves (issue 15)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kabar_local import cost
from kabar_local.bench_results import DEFAULTS, load, record

TEMPLATE = cost.ROOT / "template.yaml"


def _with(tmp_path: Path, old: str, new: str) -> Path:
    text = TEMPLATE.read_text(encoding="utf-8")
    assert text.count(old) >= 1, old
    tmp_path.mkdir(exist_ok=True)
    path = tmp_path / "template.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    # the model loads the functions' code folders relative to the template
    for folder in ("functions", "shared"):
        (tmp_path / folder).symlink_to(cost.ROOT / folder)
    return path


@pytest.fixture(scope="module")
def figures():
    return json.loads(DEFAULTS.read_text(encoding="utf-8"))["figures"]


def _lambda(breakdown: cost.Breakdown) -> float:
    return sum(line.usd for line in breakdown.lines if line.group == "Lambda")


def test_the_figure_follows_the_memory_the_template_gives_a_function(tmp_path, figures):
    typical = cost.PROFILES["typical"]
    before = cost.model(typical, 12, TEMPLATE, figures)
    # the video step at half its memory: half its GB-seconds (at the same measured duration)
    changed = _with(tmp_path, "MemorySize: 3008", "MemorySize: 1504")
    after = cost.model(typical, 12, changed, figures)
    assert cost.template_settings(changed).memory_mb["VideoDraftingFunction"] == 1504
    assert _lambda(after) < _lambda(before) and after.total < before.total
    video = next(line for line in before.lines if "VideoDraftingFunction" in line.what)
    video_after = next(line for line in after.lines if "VideoDraftingFunction" in line.what)
    assert video_after.usd == pytest.approx(video.usd / 2, rel=0.02)


def test_the_figure_follows_the_architecture_and_the_lifecycle_rules(tmp_path, figures):
    typical = cost.PROFILES["typical"]
    base = cost.model(typical, 12, TEMPLATE, figures)
    x86 = cost.model(typical, 12, _with(tmp_path / "a", "Architectures: [arm64]", "Architectures: [x86_64]"), figures)
    assert _lambda(x86) == pytest.approx(_lambda(base) * 0.0000166667 / 0.0000133334, rel=0.05)
    # without the archive rule every original stays in S3 Standard, and the figure says so
    glacier = "- StorageClass: GLACIER_IR\n                TransitionInDays"
    no_archive = cost.model(typical, 12, _with(tmp_path / "b", glacier, glacier.replace("GLACIER_IR", "STANDARD_IA")),
                            figures)
    assert any("no Glacier IR rule" in line.what for line in no_archive.lines)
    assert no_archive.total > base.total + 0.2


def test_the_figure_follows_the_measured_durations(figures):
    typical = cost.PROFILES["typical"]
    slower = dict(figures, video_lambda_seconds_per_source_second=2 * figures["video_lambda_seconds_per_source_second"])
    assert _lambda(cost.model(typical, 12, TEMPLATE, slower)) > _lambda(cost.model(typical, 12, TEMPLATE, figures))


def test_bench_results_are_read_back_over_the_checked_in_defaults(tmp_path):
    results = tmp_path / "results.json"
    record("intake_photo_seconds", 9.5, path=results)
    figures, source = load(results)
    assert figures["intake_photo_seconds"] == 9.5
    assert "drafting_seconds_30_photos" in figures  # the rest from the defaults
    assert "measured" in source


def test_make_cost_prints_each_line_and_last_the_month_12_figure(capsys):
    assert cost.main([]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert re.fullmatch(r"cost per village-month \(month 12\): US\$\d+\.\d\d", out[-1])
    assert any("Glacier Instant Retrieval" in line for line in out)
    assert any(line.startswith("  prices   : ") and "as of 20" in line for line in out)
    prices = json.loads(cost.PRICES.read_text(encoding="utf-8"))
    assert all(p["source"].startswith("https://aws.amazon.com/") for p in prices["prices"].values())
