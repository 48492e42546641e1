"""`make bench`, intake section: what checking and cleaning costs against the bare library doing the same.

- A 12-megapixel camera JPEG with GPS EXIF: Kabar's whole photo path (sniff, check the declared type,
  decode under the pixel limit, turn upright, strip, downscale, encode the publishing copy) against
  Pillow's bare decode plus encode of the same file, as a ratio in one run (target <= 1.3).
- Peak memory of the photo path for a 50-megapixel photo, in a fresh interpreter (target < 300 MB).
- A 1 GB video: hashing it streamed in 1 MiB chunks as intake does (and the same pass that also writes
  the publishing copy without metadata), against `sha256sum`, with peak memory (target < 64 MB
  above the interpreter's own).
"""

from __future__ import annotations

import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 5
MIB = 1024 * 1024

_PEAK = """
import sys
def rss():  # the high-water mark of this process (VmHWM: unlike ru_maxrss, not inherited across exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
{setup}
before = rss()
{work}
print(before, rss())
"""


def camera_jpeg(width: int, height: int) -> bytes:
    """A photo like a phone's: textured (noise compresses like a real scene), EXIF with GPS and orientation."""
    from PIL import Image

    noise = Image.effect_noise((width, height), 40)
    gradient = Image.linear_gradient("L").resize((width, height))
    image = Image.merge("RGB", (noise, gradient, Image.blend(noise, gradient, 0.5)))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112] = "KameraDesa", "HP-Lapangan 1", 6
    exif[0x8825] = {1: "S", 2: (7.0, 38.0, 12.5), 3: "E", 4: (110.0, 24.0, 3.2)}
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def _kabar_photo(data: bytes) -> None:
    from kabar.domain.media import check_declared, sanitize_photo, sniff
    from kabar.domain.models import FileKind

    check_declared(FileKind.PHOTO, "image/jpeg", sniff(data[:8192]))
    sanitize_photo(data)


def _bare_pillow(data: bytes) -> None:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        image.load()
        image.save(io.BytesIO(), "JPEG", quality=85)


def _median(fn, data: bytes) -> float:  # noqa: ANN001
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn(data)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _peak_mb(setup: str, work: str, *args: str) -> tuple[float, float]:
    code = _PEAK.format(setup=setup, work=work)
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)  # noqa: S603
    before, after = (float(x) for x in out.stdout.split())
    return before, after


def photo_rows() -> list[str]:
    data = camera_jpeg(4000, 3000)
    _kabar_photo(data)  # warm up: imports, the HEIF opener
    _bare_pillow(data)
    kabar, bare = _median(_kabar_photo, data), _median(_bare_pillow, data)
    from .bench_results import record

    record("intake_photo_seconds", round(kabar, 3))  # one 12 MP photo's whole path (make cost)
    rows = [f"12 MP camera JPEG ({len(data) / MIB:.1f} MB, GPS EXIF, orientation 6), median of {RUNS}:",
            f"  Kabar photo path (sniff, check, decode, orient, strip, 2048 px copy)  {kabar * 1000:7.0f} ms",
            f"  Pillow bare decode + encode of the same file                          {bare * 1000:7.0f} ms",
            f"  ratio                                                                 x{kabar / bare:5.2f}"
            "   (target <= 1.3)"]
    with tempfile.TemporaryDirectory(prefix="kabar-bench-") as tmp:
        big = Path(tmp) / "50mp.jpg"
        big.write_bytes(camera_jpeg(8660, 5774))
        setup = ("from pathlib import Path\nfrom kabar.domain.media import sanitize_photo, sniff, check_declared\n"
                 "from kabar.domain.models import FileKind\nimport PIL.Image, pillow_heif\n")
        work = ("data = Path(sys.argv[1]).read_bytes()\n"
                "check_declared(FileKind.PHOTO, 'image/jpeg', sniff(data[:8192]))\nsanitize_photo(data)")
        before, after = _peak_mb(setup, work, str(big))
        rows.append(f"50 MP photo ({big.stat().st_size / MIB:.1f} MB): peak RSS {after:.0f} MB "
                    f"({after - before:.0f} MB above the interpreter with its imports)   (target < 300 MB)")
    return rows


def video_rows(size: int = 1024 * MIB) -> list[str]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="kabar-bench-") as tmp:
        path = Path(tmp) / "video.mp4"
        from kabar_local.samples import video

        head = video()
        block = os.urandom(MIB)
        with path.open("wb") as out:  # a valid box structure: ftyp, one huge mdat, then the real moov
            ftyp_end = head.index(b"mdat") - 4
            moov = head[head.index(b"moov") - 4:]
            out.write(head[:ftyp_end])
            body = size - ftyp_end - len(moov) - 16
            out.write((1).to_bytes(4, "big") + b"mdat" + (body + 16).to_bytes(8, "big"))
            for _ in range(body // MIB):
                out.write(block)
            out.write(block[: body % MIB])
            out.write(moov)
        setup = ("import hashlib\nfrom pathlib import Path\nfrom kabar.domain.media import VideoCleaner\n"
                 "def chunks():\n    with open(sys.argv[1], 'rb') as f:\n"
                 "        while (c := f.read(1 << 20)):\n            yield c\n")
        hash_only = "h = hashlib.sha256()\nfor c in chunks():\n    h.update(c)\nprint(h.hexdigest(), file=sys.stderr)"
        hash_clean = ("h = hashlib.sha256(); v = VideoCleaner(); n = 0\nfor c in chunks():\n    h.update(c)\n"
                      "    n += len(v.feed(c))\nv.finish()\nprint(h.hexdigest(), file=sys.stderr)")
        timings = {}
        for name, work in (("hash", hash_only), ("hash+clean", hash_clean)):
            start = time.perf_counter()
            before, after = _peak_mb(setup, work, str(path))
            timings[name] = (time.perf_counter() - start, before, after)
        start = time.perf_counter()
        if shutil.which("sha256sum"):
            subprocess.run(["sha256sum", str(path)], capture_output=True, check=True)  # noqa: S603, S607
        baseline = time.perf_counter() - start
        rows.append(f"{size / MIB / 1024:.0f} GB video, streamed in 1 MiB chunks (one run each, fresh interpreter):")
        for name, label in (("hash", "SHA-256 streamed (intake's hashing)"),
                            ("hash+clean", "SHA-256 + box check + metadata-free copy (intake's one pass)")):
            seconds, before, after = timings[name]
            rows.append(f"  {label:<62} {seconds:6.2f} s  x{seconds / baseline:5.2f}  "
                        f"peak RSS {after:.0f} MB (+{after - before:.0f} MB)")
        rows.append(f"  {'sha256sum (baseline)':<62} {baseline:6.2f} s   (target: constant memory, < 64 MB)")
        from .bench_results import record

        record("intake_video_seconds_per_gb", round(timings["hash+clean"][0] / (size / 1024**3), 2))
    return rows


def main() -> int:
    print("Intake: checking and cleaning uploads\n")
    for row in photo_rows() + video_rows():
        print("  " + row)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
