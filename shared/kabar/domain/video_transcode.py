"""The draft video's copies, made with FFmpeg's libraries through PyAV (the VideoLayer).

One decode of the source feeds everything: the frames are turned upright (the display matrix a
phone writes instead of rotating the pixels), scaled to the published size at a constant frame
rate, and encoded as H.264 (libx264) with AAC sound into an MP4 with its index first (fast start).
The same frames, letterboxed over a blurred copy of themselves, make the vertical 9:16 copy; every
half second one is scored as a cover candidate. Nothing of the source's metadata is copied: the
output is built from decoded pictures and sound only, written ``bitexact`` (no encoder tag), and
the encoder's own notes (an SEI message in the H.264 stream) are filtered out of the packets.

PyAV is imported here only: no other function pays for loading FFmpeg.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from PIL import Image, ImageChops, ImageFilter, ImageStat

from . import video as rules

#: How often a frame is scored as a possible cover (seconds of video).
COVER_EVERY = 0.5
#: Decode errors tolerated (a damaged packet or two in a long phone video) before the video is refused.
MAX_DECODE_ERRORS = 8


class VideoUnreadable(Exception):
    """FFmpeg cannot read the video: no picture stream, a broken container, or broken frames."""


@dataclass
class Probe:
    duration: float
    width: int
    height: int
    fps: float
    codec: str
    has_audio: bool
    streams: int


@dataclass
class Made:
    published: Path
    vertical: Path | None
    cover: Path
    width: int
    height: int
    fps: int
    duration: float
    frames: int
    cover_at: float
    decode_errors: int = 0
    notes: list[str] = field(default_factory=list)


def _av():  # noqa: ANN202 - the module
    import av

    # PyAV ignores FFmpeg's log by default; routing it to Python (set_level) can deadlock decoder
    # threads against the GIL when this runs off the main thread (the local stack's dispatcher does).
    return av


def probe(path: Path) -> Probe:
    """Length, size and streams from the container's header; VideoUnreadable when it has no picture."""
    av = _av()
    try:
        with av.open(str(path), "r") as container:
            if not container.streams.video:
                raise VideoUnreadable("no video stream")
            stream = container.streams.video[0]
            ctx = stream.codec_context
            if container.duration:
                duration = container.duration / av.time_base
            elif stream.duration and stream.time_base:
                duration = float(stream.duration * stream.time_base)
            else:
                duration = 0.0
            rate = stream.average_rate or stream.guessed_rate or 0
            return Probe(duration=duration, width=ctx.width, height=ctx.height, fps=float(rate),
                         codec=ctx.name, has_audio=bool(container.streams.audio), streams=len(container.streams))
    except av.FFmpegError as err:
        raise VideoUnreadable(str(err)) from err


def published_size(width: int, height: int) -> tuple[int, int]:
    """Within ``MAX_LONG_SIDE`` on the long side, never upscaled, both sides even."""
    scale = min(1.0, rules.MAX_LONG_SIDE / max(width, height))
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


def output_fps(source_fps: float) -> int:
    if not source_fps or math.isnan(source_fps):
        return rules.MAX_FPS
    return int(min(rules.MAX_FPS, max(rules.MIN_FPS, round(source_fps))))


def _upright(graph, node, theta: int):  # noqa: ANN001, ANN202 - PyAV filter nodes
    """Link the filters that apply a display rotation of ``theta`` degrees clockwise (as ffmpeg does)."""
    steps = {90: [("transpose", "clock")], 180: [("hflip", ""), ("vflip", "")], 270: [("transpose", "cclock")]}
    for name, args in steps.get(theta, []):
        nxt = graph.add(name, args) if args else graph.add(name)
        node.link_to(nxt)
        node = nxt
    return node


def _chain(graph, node, filters: list[tuple[str, str]]):  # noqa: ANN001, ANN202
    for name, args in filters:
        nxt = graph.add(name, args)
        node.link_to(nxt)
        node = nxt
    return node


class _Encoder:
    """One MP4 being written: H.264 (and AAC when the source has sound), fast start, no metadata."""

    def __init__(self, path: Path, width: int, height: int, fps: int, audio: bool, threads: int) -> None:
        av = _av()
        from av.bitstream import BitStreamFilterContext

        self.path = path
        self.container = av.open(str(path), "w", format="mp4",
                                 options={"movflags": "+faststart", "fflags": "+bitexact"})
        self.container.metadata.clear()
        video = self.container.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.codec_context.time_base = Fraction(1, fps)
        video.options = {"preset": rules.PRESET, "crf": str(rules.CRF), "maxrate": str(rules.MAX_VIDEO_BITRATE),
                         "bufsize": str(2 * rules.MAX_VIDEO_BITRATE), "profile": "high", "threads": str(threads),
                         "g": str(2 * fps), "x264-params": "colorprim=bt709:transfer=bt709:colormatrix=bt709"}
        self.video = video
        # x264 writes its version and settings as an SEI message into the first frame: dropped here
        self._sei = BitStreamFilterContext("filter_units=remove_types=6", video)
        self.audio = None
        if audio:
            sound = self.container.add_stream("aac", rate=rules.AUDIO_RATE)
            sound.codec_context.layout = "stereo"
            sound.bit_rate = rules.AUDIO_BITRATE
            # without bitexact, FFmpeg's AAC encoder writes its name and version into the first frame
            sound.options = {"flags": "+bitexact"}
            self.audio = sound

    def picture(self, frame) -> None:  # noqa: ANN001 - av.VideoFrame
        for packet in self.video.encode(frame):
            self._mux_video(packet)

    def _mux_video(self, packet) -> None:  # noqa: ANN001
        for clean in self._sei.filter(packet):
            clean.stream = self.video
            self.container.mux(clean)

    def sound(self, frame) -> None:  # noqa: ANN001 - av.AudioFrame
        if self.audio is not None:
            self.container.mux(self.audio.encode(frame))

    def close(self) -> None:
        for packet in self.video.encode(None):
            self._mux_video(packet)
        for clean in self._sei.filter(None):
            clean.stream = self.video
            self.container.mux(clean)
        if self.audio is not None:
            self.container.mux(self.audio.encode(None))
        self.container.close()
        _blank_user_data(self.path)


def _blank_user_data(path: Path) -> None:
    """The MP4 muxer always writes an empty ``moov/udta`` (meta, ilst): turned into ``free`` of the same
    size, so nothing moves and no metadata box is left."""
    with path.open("r+b") as handle:
        head = handle.read(64 * 1024 * 1024)  # fast start: the moov comes first
        for box in _moov_boxes(head):
            if box.path == "moov/udta":
                handle.seek(box.offset + 4)
                handle.write(b"free" + bytes(box.size - 8))


def _moov_boxes(head: bytes):  # noqa: ANN202 - Iterator[Box]
    """The boxes of the moov at the front of ``head`` (the mdat after it may be cut off here)."""
    from .video import walk_boxes as _walk

    at = 0
    while at + 8 <= len(head):
        size = int.from_bytes(head[at:at + 4], "big")
        kind = head[at + 4:at + 8]
        if size == 1:
            size = int.from_bytes(head[at + 8:at + 16], "big")
        if kind == b"moov":
            for box in _walk(head[at:at + size]):
                yield box.model_copy(update={"offset": box.offset + at})
            return
        if size < 8:
            return
        at += size


@dataclass
class _Cover:
    """The best still so far: bright enough, sharp, and not in the middle of a cut or a fade."""

    best_score: float = -1.0
    best_at: float = 0.0
    best: Image.Image | None = None
    previous: Image.Image | None = None
    next_due: float = 0.0
    pending: tuple[float, float, Image.Image, Any] | None = None  # a candidate waiting for its next sample

    def offer(self, at: float, frame) -> None:  # noqa: ANN001 - av.VideoFrame
        if at < self.next_due:
            return
        self.next_due = at + COVER_EVERY
        small = frame.reformat(width=160, height=max(2, round(160 * frame.height / frame.width) // 2 * 2),
                               format="gray").to_image()
        changed = ImageStat.Stat(ImageChops.difference(small, self.previous)).mean[0] if self.previous else 0.0
        # a candidate counts only when the picture also held still until this sample (no cut after it)
        if self.pending is not None:
            p_at, p_score, _, p_frame = self.pending
            if changed < STILL and p_score > self.best_score:
                self.best_score, self.best_at, self.best = p_score, p_at, p_frame.to_image()
            self.pending = None
        stat = ImageStat.Stat(small)
        mean, spread = stat.mean[0], stat.stddev[0]
        if DARK < mean < BRIGHT and spread > FLAT and changed < STILL:
            edges = small.filter(ImageFilter.FIND_EDGES)
            sharpness = ImageStat.Stat(edges).stddev[0]
            # sharp and well exposed; a little weight on contrast so a sharp but grey frame loses
            self.pending = (at, sharpness + 0.25 * spread, small, frame)
        self.previous = small

    def finish(self, fallback) -> tuple[Image.Image, float]:  # noqa: ANN001
        if self.pending is not None and self.pending[1] > self.best_score:
            self.best_score, self.best_at, self.best = self.pending[1], self.pending[0], self.pending[3].to_image()
        if self.best is None:
            return fallback.to_image(), 0.0
        return self.best, self.best_at


#: Cover thresholds on a 0-255 grey picture: not black, not blown out, not flat, not changing.
DARK, BRIGHT, FLAT, STILL = 40.0, 225.0, 18.0, 20.0


def make_copies(source: Path, out_dir: Path, vertical: bool, threads: int = 0) -> Made:
    """Decode ``source`` once; write ``published.mp4``, ``vertical.mp4`` (when asked) and ``cover.jpg``."""
    av = _av()
    from av.filter import Graph

    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        container = av.open(str(source), "r")
    except av.FFmpegError as err:
        raise VideoUnreadable(str(err)) from err
    try:
        if not container.streams.video:
            raise VideoUnreadable("no video stream")
        vin = container.streams.video[0]
        vin.thread_type = "AUTO"
        vin.codec_context.thread_count = threads
        ain = container.streams.audio[0] if container.streams.audio else None
        fps = output_fps(float(vin.average_rate or vin.guessed_rate or 0))
        made = _run(av, Graph, container, vin, ain, fps, out_dir, vertical, threads)
    finally:
        container.close()
    return made


def _run(av, Graph, container, vin, ain, fps, out_dir, vertical, threads) -> Made:  # noqa: ANN001, C901, PLR0915
    published_path = out_dir / "published.mp4"
    vertical_path = out_dir / "vertical.mp4" if vertical else None
    cover_path = out_dir / "cover.jpg"
    resampler = av.AudioResampler(format="fltp", layout="stereo", rate=rules.AUDIO_RATE, frame_size=1024) \
        if ain is not None else None

    graph = None
    vgraph = None
    published: _Encoder | None = None
    upright: _Encoder | None = None
    cover = _Cover()
    frames = errors = 0
    width = height = 0
    last = None
    first_pts: float | None = None
    pending_audio: list = []

    def build(frame) -> None:  # noqa: ANN001
        nonlocal graph, vgraph, published, upright, width, height
        theta = (-round(frame.rotation or 0)) % 360
        w, h = (frame.height, frame.width) if theta in (90, 270) else (frame.width, frame.height)
        width, height = published_size(w, h)
        graph = Graph()
        src = graph.add_buffer(width=frame.width, height=frame.height, format=frame.format.name,
                               time_base=vin.time_base)
        node = _upright(graph, src, theta)
        node = _chain(graph, node, [("scale", f"{width}:{height}:flags=bicubic"), ("setsar", "1"),
                                    ("fps", str(fps)), ("format", "yuv420p")])
        sink = graph.add("buffersink")
        node.link_to(sink)
        graph.configure()
        published = _Encoder(published_path, width, height, fps, ain is not None, threads)
        if vertical_path is not None:
            vw, vh = rules.VERTICAL_SIZE
            vgraph = Graph()
            vsrc = vgraph.add_buffer(width=width, height=height, format="yuv420p", time_base=Fraction(1, fps))
            split = vgraph.add("split", "2")
            vsrc.link_to(split)
            # the background: the same picture filling 9:16, blurred (at a quarter size: cheap)
            shrink = vgraph.add("scale", f"{vw // 4}:{vh // 4}:force_original_aspect_ratio=increase")
            split.link_to(shrink, 0, 0)
            back = _chain(vgraph, shrink, [("crop", f"{vw // 4}:{vh // 4}"), ("gblur", "sigma=6"),
                                           ("scale", f"{vw}:{vh}")])
            front = vgraph.add("scale", f"{vw}:{vh}:force_original_aspect_ratio=decrease:force_divisible_by=2")
            split.link_to(front, 1, 0)
            overlay = vgraph.add("overlay", "(W-w)/2:(H-h)/2")
            back.link_to(overlay, 0, 0)
            front.link_to(overlay, 0, 1)
            node = _chain(vgraph, overlay, [("setsar", "1"), ("format", "yuv420p")])
            vsink = vgraph.add("buffersink")
            node.link_to(vsink)
            vgraph.configure()
            upright = _Encoder(vertical_path, vw, vh, fps, ain is not None, threads)

    def drain(final: bool = False) -> None:
        nonlocal frames, last
        assert graph is not None and published is not None  # built from the first frame
        while True:
            try:
                out = graph.vpull()
            except (av.BlockingIOError, av.EOFError):
                break
            frames += 1
            last = out
            published.picture(out)
            at = float(out.pts * out.time_base) if out.pts is not None else frames / fps
            cover.offer(at, out)
            if vgraph is not None and upright is not None:
                vgraph.vpush(out)
                _pull_into(av, vgraph, upright)
        if final and vgraph is not None and upright is not None:
            vgraph.vpush(None)
            _pull_into(av, vgraph, upright)

    def sound(frame) -> None:  # noqa: ANN001
        assert resampler is not None and published is not None
        for piece in resampler.resample(frame):
            published.sound(piece)
            if upright is not None:
                upright.sound(piece)

    streams = [s for s in (vin, ain) if s is not None]
    for packet in container.demux(*streams):
        try:
            decoded = packet.decode()
        except (av.InvalidDataError, av.error.FFmpegError):
            errors += 1
            if errors > MAX_DECODE_ERRORS:
                raise VideoUnreadable(f"{errors} damaged packets") from None
            continue
        for frame in decoded:
            if packet.stream.type == "video":
                if frame.pts is None:
                    continue
                if first_pts is None:
                    first_pts = float(frame.pts * vin.time_base)
                if graph is None:
                    build(frame)
                    for held in pending_audio:
                        sound(held)
                    pending_audio.clear()
                assert graph is not None
                graph.vpush(frame)
                drain()
            elif resampler is not None:
                if published is None:
                    pending_audio.append(frame)
                else:
                    sound(frame)
    if graph is None or published is None:
        raise VideoUnreadable("no picture could be decoded")
    graph.vpush(None)
    drain(final=True)
    if resampler is not None:
        for piece in resampler.resample(None):
            published.sound(piece)
            if upright is not None:
                upright.sound(piece)
    if frames == 0:
        raise VideoUnreadable("no picture could be decoded")
    published.close()
    if upright is not None:
        upright.close()
    still, cover_at = cover.finish(last)
    buffer = io.BytesIO()
    still.convert("RGB").save(buffer, "JPEG", quality=85, optimize=True, progressive=True)
    cover_path.write_bytes(buffer.getvalue())
    return Made(published=published_path, vertical=vertical_path, cover=cover_path, width=width, height=height,
                fps=fps, duration=frames / fps, frames=frames, cover_at=cover_at, decode_errors=errors)


def _pull_into(av, graph, encoder: _Encoder) -> None:  # noqa: ANN001
    while True:
        try:
            encoder.picture(graph.vpull())
        except (av.BlockingIOError, av.EOFError):
            return
