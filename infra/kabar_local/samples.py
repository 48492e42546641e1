"""Sample documentation of one activity: camera-like photos (with GPS EXIF) and a short real video."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

ASSETS = Path(__file__).parent / "assets"

ACTIVITY = {
    "title": "Kerja Bakti Pembersihan Saluran Irigasi Dusun Ngepring",
    "location": "Dusun Ngepring, Purwobinangun",
}
NARRATIVE = (
    "Warga Dusun Ngepring bersama perangkat Kalurahan Purwobinangun melaksanakan kerja bakti membersihkan "
    "saluran irigasi sepanjang 800 meter yang mengairi sawah di sisi barat dusun. Kegiatan dimulai pukul "
    "07.00 WIB dan diikuti sekitar 60 warga.\n\n"
    "Lurah Purwobinangun menyampaikan terima kasih atas gotong royong warga. Saluran yang bersih diharapkan "
    "memperlancar aliran air menjelang musim tanam dan mengurangi risiko genangan saat hujan deras.\n\n"
    "Sampah dan endapan lumpur yang terangkat dikumpulkan lalu diangkut ke tempat pengolahan sampah terpadu."
)


def photo(n: int, size: tuple[int, int] = (1600, 1200), gps: bool = True) -> bytes:
    """A JPEG like a phone's: a scene, EXIF with the camera and (by default) GPS coordinates."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", size, (70 + 25 * n % 120, 120, 90 + 30 * n % 100))
    draw = ImageDraw.Draw(img)
    w, h = size
    draw.rectangle((0, int(h * 0.62), w, h), fill=(60, 110, 50))
    draw.ellipse((int(w * 0.7), 60, int(w * 0.7) + 160, 220), fill=(250, 220, 90))
    for i in range(6):
        x = 80 + i * (w // 7) + n * 9
        draw.rectangle((x, int(h * 0.45), x + 40, int(h * 0.62)), fill=(40, 40, 60))
        draw.ellipse((x - 5, int(h * 0.38), x + 45, int(h * 0.46)), fill=(230, 190, 160))
    draw.text((30, 30), f"Kerja bakti #{n}", fill=(255, 255, 255))
    exif = Image.Exif()
    exif[0x010F] = "KameraDesa"  # Make
    exif[0x0110] = "HP-Lapangan 1"  # Model
    if gps:
        exif[0x8825] = {1: "S", 2: (7.0, 38.0, 12.5), 3: "E", 4: (110.0, 24.0, 3.2)}  # GPSInfo
    out = io.BytesIO()
    img.save(out, "JPEG", quality=88, exif=exif)
    return out.getvalue()


def video() -> bytes:
    return (ASSETS / "kegiatan.mp4").read_bytes()


def submission_payload(day: date, photos: int = 5, with_video: bool = True,
                       channels: tuple[str, ...] = ("social", "website")) -> tuple[dict, list[bytes]]:
    files, blobs = [], []
    for i in range(1, photos + 1):
        data = photo(i)
        files.append({"name": f"IMG_2026{i:04d}.jpg", "kind": "photo", "content_type": "image/jpeg",
                      "size": len(data)})
        blobs.append(data)
    if with_video:
        data = video()
        files.append({"name": "VID_kerja_bakti.mp4", "kind": "video", "content_type": "video/mp4",
                      "size": len(data)})
        blobs.append(data)
    payload = {"activity": {**ACTIVITY, "date": day.isoformat()}, "narrative": NARRATIVE,
               "channels": list(channels), "files": files}
    return payload, blobs
