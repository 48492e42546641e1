"""SOP step 2's draft video: the rules of the copies made from a submitted video, and the check
that nothing private is left in them. No FFmpeg here (``video_transcode.py`` does the work).

The submitted video stays in the uploads bucket as the record. The video step makes, in the media
bucket, a *published copy* every configured channel accepts (H.264 + AAC in MP4, fast start, capped
frame rate and resolution, a bitrate for phones), a vertical 9:16 copy when Instagram or YouTube is
configured (Reels, Shorts), and a cover frame taken from the video. It replaces intake's blanked
copy, so one copy for publishing is kept, not two.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel

from .clock import to_wib
from .models import ChannelConfig
from .sop import WAKTU_PROSES_DRAF, batas_draf
from .text import Bilingual, t

# --- the published profile -------------------------------------------------------------------

#: Longest side of the published copy: 720p is sharp on a phone and a quarter of 1080p's pixels.
MAX_LONG_SIDE = 1280
#: Frame rate of the published copy (constant): 30 at most, 24 at least (Instagram wants 23-60).
MAX_FPS = 30
MIN_FPS = 24
#: Quality first (CRF), capped for phone connections: about 2.5 Mbit/s video, 128 kbit/s AAC.
CRF = 23
MAX_VIDEO_BITRATE = 2_500_000
AUDIO_BITRATE = 128_000
AUDIO_RATE = 48_000
#: x264's speed preset: what a Lambda's few cores finish well inside the 2-hour draft limit.
PRESET = "veryfast"
#: The vertical copy for Reels / Shorts: 9:16.
VERTICAL_SIZE = (720, 1280)

# --- what each channel accepts (duration in seconds, size in bytes) --------------------------
# Sources: Meta's video-publishing and Instagram content-publishing reference (Reels: 3 s - 15 min,
# 300 MB, 23-60 fps), Facebook Page videos (up to 240 min / 10 GB through the resumable upload),
# YouTube (15 minutes until the channel is verified; Shorts up to 3 minutes). Kept in one table.


class ChannelVideoLimit(BaseModel):
    channel: str
    label: str
    min_seconds: float
    max_seconds: float
    max_bytes: int
    vertical: bool = False  # the channel receives the 9:16 copy too (Reels / Shorts)


CHANNEL_LIMITS: dict[str, ChannelVideoLimit] = {
    "facebook": ChannelVideoLimit(channel="facebook", label="Facebook", min_seconds=1, max_seconds=240 * 60,
                                  max_bytes=10 * 1024**3),
    "instagram": ChannelVideoLimit(channel="instagram", label="Instagram Reels", min_seconds=3,
                                   max_seconds=15 * 60, max_bytes=300 * 1024**2, vertical=True),
    "youtube": ChannelVideoLimit(channel="youtube", label="YouTube", min_seconds=1, max_seconds=15 * 60,
                                 max_bytes=256 * 1024**3, vertical=True),
}
#: YouTube takes a vertical video up to this long as a Short.
SHORTS_MAX_SECONDS = 180
#: What this step itself processes: the longest limit above that a function finishes in time.
MAX_PROCESS_SECONDS = 15 * 60


def video_channels(channels: Iterable[ChannelConfig]) -> list[ChannelVideoLimit]:
    """The configured channels that publish a video, with their limits (the website does not)."""
    seen = dict.fromkeys(c.type for c in channels)
    return [CHANNEL_LIMITS[name] for name in seen if name in CHANNEL_LIMITS]


def wants_vertical(limits: Iterable[ChannelVideoLimit]) -> bool:
    """A 9:16 copy is made when Instagram (Reels) or YouTube (Shorts) is configured."""
    return any(limit.vertical for limit in limits)


class Refusal(BaseModel):
    code: str
    message: Bilingual


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:g} menit" if seconds >= 60 else f"{seconds:g} detik"


def _minutes_en(seconds: float) -> str:
    return f"{seconds / 60:g} minutes" if seconds >= 60 else f"{seconds:g} seconds"


def check_duration(duration: float, limits: Iterable[ChannelVideoLimit]) -> Refusal | None:
    """Before any work: is the video's length one every configured channel (and this step) accepts?"""
    if duration <= 0:
        return Refusal(code="video_corrupt", message=VIDEO_UNREADABLE)
    for limit in limits:
        if duration > limit.max_seconds:
            return Refusal(code=f"too_long_for_{limit.channel}", message=t(
                f"Video terlalu panjang untuk {limit.label} ({_clock(duration)}; paling lama "
                f"{_minutes(limit.max_seconds)}). Potong video di ponsel lalu unggah ulang.",
                f"The video is too long for {limit.label} ({_clock(duration)}; at most "
                f"{_minutes_en(limit.max_seconds)}). Trim it on the phone and upload it again."))
        if duration < limit.min_seconds:
            return Refusal(code=f"too_short_for_{limit.channel}", message=t(
                f"Video terlalu pendek untuk {limit.label} ({duration:.1f} detik; paling singkat "
                f"{_minutes(limit.min_seconds)}). Unggah video yang lebih panjang.",
                f"The video is too short for {limit.label} ({duration:.1f} seconds; at least "
                f"{_minutes_en(limit.min_seconds)}). Upload a longer video."))
    if duration > MAX_PROCESS_SECONDS:
        return Refusal(code="video_too_long", message=t(
            f"Video terlalu panjang ({_clock(duration)}). Batasnya {_minutes(MAX_PROCESS_SECONDS)}; "
            "potong video di ponsel lalu unggah ulang.",
            f"The video is too long ({_clock(duration)}). The limit is {_minutes_en(MAX_PROCESS_SECONDS)}; "
            "trim it on the phone and upload it again."))
    return None


def check_size(size: int, limits: Iterable[ChannelVideoLimit]) -> Refusal | None:
    """After the copies are made: does each channel take a file of this size?"""
    for limit in limits:
        if size > limit.max_bytes:
            return Refusal(code=f"too_large_for_{limit.channel}", message=t(
                f"Video terlalu besar untuk {limit.label} ({size / 1024**2:.0f} MB; paling besar "
                f"{limit.max_bytes / 1024**2:.0f} MB). Unggah video yang lebih pendek.",
                f"The video is too large for {limit.label} ({size / 1024**2:.0f} MB; at most "
                f"{limit.max_bytes / 1024**2:.0f} MB). Upload a shorter video."))
    return None


def _clock(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


VIDEO_UNREADABLE = t(
    "Video tidak dapat dibaca (rusak, terpotong, atau tidak berisi gambar). Unggah ulang video aslinya dari ponsel.",
    "The video cannot be read (damaged, cut off, or without pictures). Upload the original video from the phone again.")
VIDEO_LATE = t(
    "Video belum selesai diolah dalam batas waktu draf; draf dibuat dengan foto saja. "
    "Admin dapat menambahkan video pada revisi.",
    "The video was not processed within the draft time limit; the draft was made with the photos only. "
    "The admin can add the video in a revision.")


# --- the 2-hour clock --------------------------------------------------------------------------

#: What the photo drafts leave for themselves out of the SOP's 2 hours when the video is slow.
CADANGAN_DRAF_FOTO = timedelta(minutes=30)


def batas_tunggu_video(completed_at: datetime) -> datetime:
    """Step 2 with a video: the social draft waits for the draft video until this moment, then goes
    to review with the photos only, so the 2-hour draft limit (``batas_draf``) holds whatever the
    video does. The clock is the hand-over's (complete when the last file, usually the video,
    passed intake): processing the video counts against the same 2 hours, it never restarts them.
    The website draft never waits for the video."""
    assert CADANGAN_DRAF_FOTO < WAKTU_PROSES_DRAF
    return batas_draf(completed_at) - CADANGAN_DRAF_FOTO


def menunggu_video(completed_at: datetime, at: datetime) -> bool:
    """True while the social draft may still wait for the draft video."""
    return to_wib(at) < batas_tunggu_video(completed_at)


# --- the record of the step ------------------------------------------------------------------


class VideoDraft(BaseModel):
    """What the video step made of one submitted video: the copies, or why there are none."""

    tenant_id: str
    submission_id: str
    asset_id: str
    status: Literal["ready", "refused", "late"]
    published_key: str | None = None  # media bucket: H.264/AAC MP4, what every channel receives
    vertical_key: str | None = None  # media bucket: 9:16 copy (Reels / Shorts), when wanted
    cover_key: str | None = None  # media bucket: JPEG frame chosen from the video (thumbnail, poster)
    duration: float | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    size: int | None = None  # bytes of the published copy
    original_size: int | None = None
    problem_code: str | None = None
    problem: Bilingual | None = None
    made_at: datetime


def video_keys(tenant_id: str, submission_id: str, asset_id: str) -> dict[str, str]:
    base = f"{tenant_id}/{submission_id}/videos/{asset_id}"
    return {"published": f"{base}.mp4", "vertical": f"{base}-vertical.mp4", "cover": f"{base}-cover.jpg"}


# --- nothing private left: every box of an MP4, walked ------------------------------------------

#: Containers whose children are boxes (ISO BMFF / QuickTime).
_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"dinf", b"mvex", b"moof", b"traf"}
#: What may be in a published copy: the structure a player needs and nothing else.
ALLOWED_BOXES = {
    b"ftyp", b"free", b"mdat", b"moov", b"mvhd", b"trak", b"tkhd", b"edts", b"elst", b"mdia", b"mdhd", b"hdlr",
    b"minf", b"vmhd", b"smhd", b"dinf", b"dref", b"stbl", b"stsd", b"stts", b"stss", b"ctts", b"stsc", b"stsz",
    b"stco", b"co64", b"sgpd", b"sbgp", b"sdtp",
}
ALLOWED_HANDLERS = {b"vide", b"soun"}
_ENCODER_NOTES = re.compile(rb"x264 - core|x265 \(build|Lav[cf]\d\d\.\d|HandBrake \d")
_IDENTITY = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)


class Box(BaseModel):
    path: str  # "moov/trak/tkhd"
    offset: int
    size: int
    header: int


def walk_boxes(data: bytes) -> Iterator[Box]:
    """Every box of an MP4/MOV, depth first; ValueError when a size does not fit."""
    def walk(start: int, end: int, path: str) -> Iterator[Box]:
        at = start
        while at < end:
            if end - at < 8:
                raise ValueError(f"a box header is cut at {at}")
            size, kind = struct.unpack(">I4s", data[at:at + 8])
            header = 8
            if size == 1:
                size, header = struct.unpack(">Q", data[at + 8:at + 16])[0], 16
            elif size == 0:
                size = end - at
            if size < header or at + size > end:
                raise ValueError(f"box {kind!r} at {at} does not fit")
            name = kind.decode("latin-1")
            here = f"{path}/{name}" if path else name
            yield Box(path=here, offset=at, size=size, header=header)
            if kind in _CONTAINERS:
                yield from walk(at + header, at + size, here)
            at += size

    yield from walk(0, len(data), "")


def metadata_found(data: bytes) -> list[str]:
    """Everything in an MP4 that is not picture, sound or the structure to play them: location,
    camera, encoder, chapters, data and metadata tracks, a rotation left to the player, an index at
    the end (no fast start), and the encoder's notes inside the H.264 stream. Empty for a clean copy."""
    found: list[str] = []
    try:
        boxes = list(walk_boxes(data))
    except ValueError as err:
        return [f"structure: {err}"]
    top = [b.path for b in boxes if "/" not in b.path]
    if top[:1] != ["ftyp"]:
        found.append("ftyp is not first")
    if "moov" in top and "mdat" in top and top.index("moov") > top.index("mdat"):
        found.append("moov after mdat (no fast start)")
    for box in boxes:
        kind = box.path.rsplit("/", 1)[-1].encode("latin-1")
        if box.path.endswith("stsd"):
            continue
        if "/stsd/" in box.path:
            continue
        if kind not in ALLOWED_BOXES:
            found.append(f"box {box.path}")
        elif kind == b"hdlr" and box.path.endswith("mdia/hdlr"):
            handler = data[box.offset + box.header + 8:box.offset + box.header + 12]
            if handler not in ALLOWED_HANDLERS:
                found.append(f"track of type {handler.decode('latin-1')!r}")
        elif kind in (b"tkhd", b"mvhd"):
            version = data[box.offset + box.header]
            if kind == b"tkhd":  # version/flags, times + track id + duration, reserved, layer..volume
                skip = 4 + (32 if version == 1 else 20) + 8 + 8
            else:  # version/flags, times + timescale + duration, rate, volume, reserved
                skip = 4 + (28 if version == 1 else 16) + 4 + 2 + 10
            at = box.offset + box.header + skip
            if data[at:at + 36] != _IDENTITY:
                found.append(f"{box.path}: rotation or transform matrix")
    if _ENCODER_NOTES.search(data):
        found.append("encoder notes in the stream")
    return found
