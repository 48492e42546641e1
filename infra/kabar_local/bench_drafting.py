"""`make bench`, drafting: the photos of one submission, 4 and 30 camera photos of 12 MP.

Each case runs in a fresh interpreter (so its peak memory is its own) over the same JPEG files:
- *bare decode* (the baseline): Pillow opens and decodes each photo, nothing else;
- *intake*: each photo sanitized as the intake function does (decode, upright, sRGB, 2048 px, JPEG);
- *drafting*: what the drafting function does with the sanitized copies: choose and frame the
  carousel (sharpness, near-duplicates, 1080x1350), draw the cover, build the caption and article.
Time is wall-clock; peak memory is the process's peak RSS minus its RSS once the imports are done.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SIZE = (4000, 3000)  # 12 MP, a phone camera's 4:3
COUNTS = (4, 30)

_CASE = r"""
import json, resource, sys, time
from pathlib import Path
from PIL import Image
from datetime import date, datetime
from kabar.domain import carousel, drafting, graphic, media
from kabar.domain.clock import WIB
from kabar.domain.models import Activity, Contact, Procedure, Submission, Village

def status_mb(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def reset_peak():
    try:
        Path("/proc/self/clear_refs").write_text("5")  # Linux: VmHWM starts again from VmRSS
    except OSError:
        pass

mode, files = sys.argv[1], [Path(p) for p in sys.argv[2:]]
raw = [p.read_bytes() for p in files]
if mode == "prepare":
    for path, data in zip(files, raw):
        path.with_suffix(".clean").write_bytes(media.sanitize_photo(data).data)
    raise SystemExit(0)
clean = [p.with_suffix(".clean").read_bytes() for p in files] if mode == "drafting" else None
reset_peak()
base = status_mb("VmRSS")
start = time.perf_counter()
if mode == "decode":
    for data in raw:
        with Image.open(__import__("io").BytesIO(data)) as image:
            image.load()
elif mode == "intake":
    for data in raw:
        media.sanitize_photo(data)
else:
    village = Village(id="purwobinangun", name="Purwobinangun", hashtags=["Purwobinangun", "Sleman"],
                      reviewers=[Contact(name="PPID", email="ppid@purwobinangun.desa.id")],
                      admins=[Contact(name="Admin", email="admin@purwobinangun.desa.id")])
    submission = Submission(
        tenant_id=village.id, submission_id="bench", submitter_id="u", submitter_name="Pelaksana",
        submitter_email="u@purwobinangun.desa.id", procedures=[Procedure.SOCIAL, Procedure.WEBSITE],
        activity=Activity(title="Kerja Bakti Membersihkan Saluran Irigasi Padukuhan Candi", date=date(2026, 11, 27),
                          location="Padukuhan Candi"), created_at=datetime(2026, 11, 27, 9, tzinfo=WIB),
        narrative=" ".join(["Warga Padukuhan Candi bergotong royong membersihkan saluran irigasi."] * 12))
    chosen = carousel.build_carousel(clean, 9)
    graphic.make_cover(clean[chosen.cover_index], submission.activity.title, village.name, "27 November 2026")
    drafting.build_caption(village, submission)
    drafting.build_article(village, submission)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "peak_mb": status_mb("VmHWM") - base}))
"""


def _camera_photos(folder: Path, count: int) -> list[Path]:
    """Distinct photo-like 12 MP JPEGs: smooth colour fields with edges and sensor noise."""
    from PIL import Image, ImageChops, ImageFilter

    paths = []
    for n in range(count):
        path = folder / f"IMG_{n:04d}.jpg"
        paths.append(path)
        if path.exists():
            continue
        rng = random.Random(n)
        small = Image.new("RGB", (32, 24))
        small.putdata([tuple(rng.randrange(256) for _ in range(3)) for _ in range(32 * 24)])
        image = small.resize(SIZE, Image.Resampling.BICUBIC).filter(ImageFilter.SMOOTH)
        noise = Image.effect_noise(SIZE, 18).convert("RGB")
        image = ImageChops.add(image, noise, scale=1.0, offset=-64)
        image.save(path, "JPEG", quality=92)
    return paths


def _run(mode: str, files: list[Path]) -> dict:
    if not files:
        return {}
    out = subprocess.run([sys.executable, "-c", _CASE, mode, *map(str, files)], capture_output=True, text=True,  # noqa: S603
                         check=True, cwd=ROOT)
    lines = out.stdout.strip().splitlines()
    return json.loads(lines[-1]) if lines else {}


def print_drafting() -> None:
    print("\nDrafting: camera photos of 12 MP (4000x3000 JPEG), fresh interpreter per case, ratio to Pillow's "
          "bare decode of the same photos\n")
    folder = Path(tempfile.gettempdir()) / "kabar-bench-photos"
    folder.mkdir(exist_ok=True)
    photos = _camera_photos(folder, max(COUNTS))
    _run("prepare", [p for p in photos if not p.with_suffix(".clean").exists()])  # the intake's copies
    for count in COUNTS:
        files = photos[:count]
        decode = _run("decode", files)
        for label, mode in (("bare decode (baseline)", "decode"), ("intake: sanitize", "intake"),
                            ("drafting: carousel+cover+text", "drafting")):
            result = decode if mode == "decode" else _run(mode, files)
            ratio = result["seconds"] / decode["seconds"]
            print(f"  {count:>2} photos  {label:<31} {result['seconds']:7.2f} s  x{ratio:5.2f}"
                  f"   peak +{result['peak_mb']:6.0f} MB")
            if mode == "drafting":
                from .bench_results import record

                record(f"drafting_seconds_{count}_photos", round(result["seconds"], 3))


if __name__ == "__main__":
    print_drafting()
