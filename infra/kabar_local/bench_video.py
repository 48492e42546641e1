"""`make bench`, the video step: time and peak memory against Debian's ``ffmpeg`` doing the same transcode
on the same file in the same run, the published size against the phone original, and the duration
estimated for Lambda at the function's memory.

Two phone-like sources are made here (H.264 + AAC at a phone's bitrate): 1080p for 60 seconds and
4K for 3 minutes. Each run is a fresh process; its peak memory is the kernel's maximum resident set
(``wait4``) and its CPU time user + system. ``KABAR_BENCH_VIDEO=quick`` shortens both (a smoke run).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from kabar.domain import video as rules
from kabar.domain.video_transcode import output_fps, published_size

from . import video_samples as clips

ROOT = Path(__file__).resolve().parents[2]
#: Lambda gives one vCPU per 1,769 MB of memory (AWS Lambda developer guide).
MB_PER_VCPU = 1769

_STEP = """
import sys
from pathlib import Path
from kabar.domain.video_transcode import make_copies
made = make_copies(Path(sys.argv[1]), Path(sys.argv[2]), vertical=sys.argv[3] == "1")
print(made.published.stat().st_size, made.vertical.stat().st_size if made.vertical else 0, made.cover_at)
"""


@dataclass
class Run:
    seconds: float
    cpu: float
    peak_mb: float
    out: str


def _measure(args: list[str]) -> Run:
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # noqa: S603
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    assert proc.stdout is not None and proc.stderr is not None
    out, err = proc.stdout.read(), proc.stderr.read()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise RuntimeError(f"{args[0]} failed: {err[-2000:]}")
    return Run(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out)


def _cli(source: Path, target: Path, width: int, height: int, fps: int) -> list[str]:
    """What the video step does for the published copy, as one ffmpeg command line."""
    return [clips.ffmpeg(), "-v", "error", "-y", "-i", str(source),
            "-vf", f"scale={width}:{height}:flags=bicubic,setsar=1,fps={fps},format=yuv420p",
            "-c:v", "libx264", "-preset", rules.PRESET, "-crf", str(rules.CRF), "-maxrate",
            str(rules.MAX_VIDEO_BITRATE), "-bufsize", str(2 * rules.MAX_VIDEO_BITRATE), "-profile:v", "high",
            "-g", str(2 * fps), "-c:a", "aac", "-b:a", str(rules.AUDIO_BITRATE), "-ar", str(rules.AUDIO_RATE),
            "-ac", "2", "-movflags", "+faststart", "-map_metadata", "-1", "-map_chapters", "-1", "-dn", "-sn",
            "-fflags", "+bitexact", str(target)]


def print_video() -> None:
    quick = os.environ.get("KABAR_BENCH_VIDEO") == "quick"
    cases = [("1080p, 60 s", "1920x1080", 10 if quick else 60, "16M", True),
             ("4K, 3 min", "3840x2160", 10 if quick else 180, "40M", False)]
    memory = _memory_of_the_function()
    vcpus = memory / MB_PER_VCPU
    print(f"\nVideo step (PyAV/libx264, {rules.PRESET}, CRF {rules.CRF}, <= {rules.MAX_LONG_SIDE} px, "
          f"<= {rules.MAX_FPS} fps) against Debian's ffmpeg, same file, same run; {os.cpu_count()} cores here")
    print(f"  Lambda estimate: CPU seconds / {vcpus:.2f} vCPU ({memory} MB, one vCPU per {MB_PER_VCPU} MB), "
          "assuming a Graviton core does what a core here does")
    with tempfile.TemporaryDirectory(prefix="kabar-bench-video-") as tmp:
        root = Path(tmp)
        for label, size, seconds, bitrate, full in cases:
            t0 = time.perf_counter()
            source = clips.phone(root / f"src-{size}.mp4", size, seconds, bitrate)
            made_in = time.perf_counter() - t0
            original = source.stat().st_size
            w, h = (int(x) for x in size.split("x"))
            pw, ph = published_size(w, h)
            fps = output_fps(30)
            cli = _measure(_cli(source, root / "cli.mp4", pw, ph, fps))
            cli_size = (root / "cli.mp4").stat().st_size
            step = _measure([sys.executable, "-c", _STEP, str(source), str(root / "step"), "0"])
            published = int(step.out.split()[0])
            print(f"\n  {label} ({w}x{h}, {bitrate}bit/s, {original / 1024**2:.0f} MB; made in {made_in:.0f} s)"
                  f" -> published {pw}x{ph} {fps} fps")
            # the cores are shared: CPU seconds (user + system) are the steadier figure, wall time is shown too
            print(f"    {'':30} {'CPU s':>7} {'ratio':>6} {'wall':>7} {'ratio':>6} {'peak MB':>8} {'size MB':>8}"
                  f" {'of orig':>8} {'Lambda est.':>12}")
            rows = [("ffmpeg command line", cli, cli_size), ("video step, published copy", step, published)]
            if full:
                whole = _measure([sys.executable, "-c", _STEP, str(source), str(root / "whole"), "1"])
                rows.append(("video step, + 9:16 copy, cover", whole, int(whole.out.split()[0])))
            if full:  # for make cost: Lambda seconds per second of 1080p source, both copies and the cover
                from .bench_results import record

                record("video_lambda_seconds_per_source_second", round(rows[-1][1].cpu / vcpus / seconds, 3))
            for name, run, out_size in rows:
                print(f"    {name:30} {run.cpu:7.1f} {run.cpu / cli.cpu:6.2f} {run.seconds:6.1f}s "
                      f"{run.seconds / cli.seconds:6.2f} {run.peak_mb:8.0f} {out_size / 1024**2:8.1f} "
                      f"{out_size / original:8.1%} {run.cpu / vcpus:11.0f}s")
            for leftover in root.glob("*"):
                if leftover.is_file():
                    leftover.unlink()


def _memory_of_the_function() -> int:
    import yaml

    class _Loader(yaml.SafeLoader):
        pass

    _Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    template = yaml.load((ROOT / "template.yaml").read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506
    return int(template["Resources"]["VideoDraftingFunction"]["Properties"]["MemorySize"])


if __name__ == "__main__":
    print_video()
