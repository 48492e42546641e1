"""Phone-like videos made on the spot with Debian's ``ffmpeg`` (tests and ``make bench``).

Each shape is one a phone really produces: HEVC from an iPhone with its ISO 6709 location, the
QuickTime keys and a timecode (data) track; a portrait clip stored landscape with a rotation in the
track header; a variable frame rate; no sound; 4K; chapters; a clip too long for Reels; a cut-off one.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

LOCATION = "+07.6367+110.4009+150.000/"  # Purwobinangun, as an iPhone writes it (ISO 6709)
CAMERA = "iPhone 15 Pro"


def ffmpeg() -> str:
    found = shutil.which("ffmpeg")
    if not found:
        raise RuntimeError("Debian's ffmpeg is needed (make ffmpeg / apt-get install ffmpeg)")
    return found


def _run(args: list[str]) -> None:
    subprocess.run([ffmpeg(), "-v", "error", "-y", *args], check=True)  # noqa: S603


def _picture(size: str, rate: str, seconds: float) -> list[str]:
    # a moving test picture with detail, plus a second of black at the start (a cover must skip it)
    return ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}"]


def _tone(seconds: float) -> list[str]:
    return ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=44100:duration={seconds}"]


def iphone_hevc(path: Path, seconds: float = 2, size: str = "320x240") -> Path:
    """HEVC in a QuickTime file with location (udta and mdta keys), camera and a timecode track."""
    _run([*_picture(size, "30", seconds), *_tone(seconds), "-c:v", "libx265", "-x265-params", "log-level=error",
          "-tag:v", "hvc1", "-c:a", "aac", "-timecode", "01:00:00:00",
          "-metadata", f"location={LOCATION}", "-metadata", f"com.apple.quicktime.location.ISO6709={LOCATION}",
          "-metadata", f"com.apple.quicktime.model={CAMERA}", "-metadata", "com.apple.quicktime.make=Apple",
          "-movflags", "use_metadata_tags", "-f", "mov", str(path)])
    return path


def with_chapters(path: Path, seconds: float = 2) -> Path:
    meta = path.with_suffix(".ffmeta")
    meta.write_text(";FFMETADATA1\ntitle=Rapat di rumah Pak Lurah\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=1000\n"
                    "title=Bagian 1\n", encoding="utf-8")
    _run([*_picture("320x240", "30", seconds), *_tone(seconds), "-i", str(meta), "-map", "0", "-map", "1",
          "-map_metadata", "2", "-map_chapters", "2", "-c:v", "libx264", "-c:a", "aac",
          "-metadata", f"location={LOCATION}", str(path)])
    meta.unlink()
    return path


def rotated_portrait(path: Path, seconds: float = 2) -> Path:
    """Stored 320x180 (landscape), shown 180x320: the track header carries a 90-degree rotation."""
    _run([*_picture("320x180", "30", seconds), *_tone(seconds), "-c:v", "libx264", "-c:a", "aac",
          "-metadata", f"location={LOCATION}", str(path)])
    path.write_bytes(rotate_track(path.read_bytes(), 90))
    return path


def variable_frame_rate(path: Path, seconds: float = 3) -> Path:
    """Frames at uneven times (a phone dropping frames in low light)."""
    _run([*_picture("320x240", "30", seconds), *_tone(seconds), "-vf", "select='not(mod(n\\,3))+lt(random(0)\\,0.3)'",
          "-fps_mode", "vfr", "-c:v", "libx264", "-c:a", "aac", str(path)])
    return path


def silent(path: Path, seconds: float = 2) -> Path:
    _run([*_picture("320x240", "25", seconds), "-c:v", "libx264", str(path)])
    return path


def uhd(path: Path, seconds: float = 1, bitrate: str = "40M", rate: str = "30") -> Path:
    """4K (3840x2160) H.264 at a phone's bitrate."""
    _run([*_picture("3840x2160", rate, seconds), *_tone(seconds), "-c:v", "libx264", "-preset", "ultrafast",
          "-b:v", bitrate, "-c:a", "aac", "-metadata", f"location={LOCATION}", str(path)])
    return path


def long_clip(path: Path, seconds: float) -> Path:
    """Long but tiny and cheap (a few frames a second): for the duration limits."""
    _run(["-f", "lavfi", "-i", f"color=c=green:size=64x64:rate=2:duration={seconds}", "-c:v", "libx264",
          "-preset", "ultrafast", str(path)])
    return path


def phone(path: Path, size: str, seconds: float, bitrate: str, rate: str = "30") -> Path:
    """A phone-like H.264 at a phone's bitrate, made fast: 10 seconds encoded, then repeated by copying."""
    piece = path.with_name(path.stem + "-piece.mp4")
    chunk = min(10.0, seconds)
    _run([*_picture(size, rate, chunk), *_tone(chunk), "-vf", "noise=alls=6:allf=t", "-c:v", "libx264",
          "-preset", "ultrafast", "-b:v", bitrate, "-maxrate", bitrate, "-bufsize", bitrate, "-c:a", "aac",
          "-b:a", "128k", "-metadata", f"location={LOCATION}", str(piece)])
    loops = max(0, int(seconds // chunk) - 1)
    _run(["-stream_loop", str(loops), "-i", str(piece), "-c", "copy", "-metadata", f"location={LOCATION}",
          str(path)])
    piece.unlink()
    return path


def cut_off(source: bytes) -> bytes:
    """The first 60 % of a file whose index comes last (an upload broken off): no index, no movie."""
    return source[: int(len(source) * 0.6)]


def rotate_track(data: bytes, degrees: int) -> bytes:
    """Put a rotation into the video track header's matrix (what a phone held upright writes)."""
    matrices = {90: (0, 0x10000, 0, 0xFFFF0000, 0, 0, 0, 0, 0x40000000),
                270: (0, 0xFFFF0000, 0, 0x10000, 0, 0, 0, 0, 0x40000000),
                180: (0xFFFF0000, 0, 0, 0, 0xFFFF0000, 0, 0, 0, 0x40000000)}
    out = bytearray(data)

    def walk(start: int, end: int) -> None:
        at = start
        while at < end:
            size, kind = struct.unpack(">I4s", out[at:at + 8])
            header = 8
            if size == 1:
                size, header = struct.unpack(">Q", out[at + 8:at + 16])[0], 16
            elif size == 0:
                size = end - at
            if kind in (b"moov", b"trak"):
                walk(at + header, at + size)
            elif kind == b"tkhd":
                version = out[at + header]
                base = at + header + 4 + (32 if version == 1 else 20) + 16
                width = struct.unpack(">I", out[base + 36:base + 40])[0]
                if width:
                    out[base:base + 36] = struct.pack(">9I", *matrices[degrees])
            at += size

    walk(0, len(out))
    return bytes(out)
