"""The draft video's copies from phone-shaped videos (made here with Debian's ffmpeg): every track and
box of each copy inspected, twice (our box walk, and ffprobe), or the video refused with a clear reason."""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from kabar.domain import video as rules
from kabar.domain import video_transcode as vt
from kabar.domain.models import ChannelConfig
from kabar_local import video_samples as clips

PRIVATE = [clips.LOCATION.encode(), b"+07.6367", b"ISO6709", clips.CAMERA.encode(), b"Apple", b"Rapat di rumah"]


def ffprobe(path: Path) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams",
                          "-show_chapters", str(path)], check=True, capture_output=True).stdout
    return json.loads(out)


def assert_clean(path: Path, audio: bool) -> dict:
    """Picture (and sound) only: no location, camera, chapters, data tracks, tags, rotation or encoder notes."""
    data = path.read_bytes()
    assert rules.metadata_found(data) == []
    for secret in PRIVATE:
        assert secret not in data, secret
    info = ffprobe(path)
    kinds = [(s["codec_type"], s["codec_name"]) for s in info["streams"]]
    assert kinds == ([("video", "h264"), ("audio", "aac")] if audio else [("video", "h264")])
    assert info["chapters"] == []
    assert set(info["format"].get("tags", {})) <= {"major_brand", "minor_version", "compatible_brands"}
    for stream in info["streams"]:
        assert set(stream.get("tags", {})) <= {"language", "handler_name", "vendor_id"}, stream["tags"]
        assert stream.get("tags", {}).get("vendor_id", "[0][0][0][0]") == "[0][0][0][0]"
        assert "side_data_list" not in stream  # no display matrix: the pixels are upright
    video = info["streams"][0]
    assert video["pix_fmt"] == "yuv420p" and video["profile"] == "High"
    assert video["r_frame_rate"] == video["avg_frame_rate"]  # a constant frame rate
    assert max(video["width"], video["height"]) <= rules.MAX_LONG_SIDE or (video["width"], video["height"]) == \
        rules.VERTICAL_SIZE
    return info


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """Each shape, made once per module and turned into its copies."""
    root = tmp_path_factory.mktemp("clips")
    cache: dict[str, tuple[Path, vt.Made]] = {}

    def get(name: str, build, vertical: bool = True) -> tuple[Path, vt.Made]:  # noqa: ANN001
        if name not in cache:
            source = build(root / f"{name}.mp4")
            cache[name] = (source, vt.make_copies(source, root / name, vertical=vertical))
        return cache[name]

    return get


def test_iphone_hevc_with_location_camera_and_a_timecode_track_loses_all_of_it(made):
    source, copies = made("hevc", clips.iphone_hevc)
    original = source.read_bytes()
    assert clips.LOCATION.encode() in original and clips.CAMERA.encode() in original
    assert any("tmcd" in f for f in rules.metadata_found(original))  # the data track is there to lose
    assert [s["codec_type"] for s in ffprobe(source)["streams"]] == ["video", "audio", "data"]
    assert_clean(copies.published, audio=True)
    assert_clean(copies.vertical, audio=True)
    assert (copies.width, copies.height, copies.fps) == (320, 240, 30)


def test_chapters_and_their_text_track_are_not_carried_over(made):
    source, copies = made("chapters", clips.with_chapters)
    assert ffprobe(source)["chapters"]
    assert_clean(copies.published, audio=True)


def test_a_portrait_video_stored_sideways_is_published_upright(made):
    source, copies = made("portrait", clips.rotated_portrait)
    assert any("rotation" in f for f in rules.metadata_found(source.read_bytes()))
    info = assert_clean(copies.published, audio=True)
    assert (info["streams"][0]["width"], info["streams"][0]["height"]) == (180, 320)
    vertical = assert_clean(copies.vertical, audio=True)["streams"][0]
    assert (vertical["width"], vertical["height"]) == rules.VERTICAL_SIZE


def test_a_variable_frame_rate_becomes_constant(made):
    source, copies = made("vfr", clips.variable_frame_rate)
    src = ffprobe(source)["streams"][0]
    assert src["r_frame_rate"] != src["avg_frame_rate"]  # the phone's uneven frames
    info = assert_clean(copies.published, audio=True)
    assert info["streams"][0]["r_frame_rate"] in {f"{fps}/1" for fps in range(rules.MIN_FPS, rules.MAX_FPS + 1)}


def test_a_video_without_sound_has_copies_without_sound(made):
    _, copies = made("silent", clips.silent)
    assert_clean(copies.published, audio=False)
    assert_clean(copies.vertical, audio=False)
    assert copies.fps == 25


def test_4k_is_capped_to_720p_and_the_landscape_vertical_copy_is_letterboxed_over_a_blur(made):
    _, copies = made("uhd", clips.uhd)
    info = assert_clean(copies.published, audio=True)
    assert (info["streams"][0]["width"], info["streams"][0]["height"]) == (1280, 720)
    assert_clean(copies.vertical, audio=True)
    frame = _frame(copies.vertical, 0.5)
    assert frame.size == rules.VERTICAL_SIZE
    top, middle = frame.crop((0, 0, 720, 300)), frame.crop((0, 500, 720, 780))
    # the band above the picture is not black bars: a blurred copy (colour, little detail)
    assert ImageStat.Stat(top.convert("L")).mean[0] > 30
    assert _detail(top) < _detail(middle)


def test_without_instagram_or_youtube_no_vertical_copy_is_made(made):
    facebook_only = rules.video_channels([ChannelConfig(type="facebook"), ChannelConfig(type="static_site")])
    assert not rules.wants_vertical(facebook_only)
    assert rules.wants_vertical(rules.video_channels([ChannelConfig(type="instagram")]))
    _, copies = made("silent-flat", clips.silent, vertical=False)
    assert copies.vertical is None and copies.published.exists()


def test_the_cover_is_a_sharp_frame_not_the_black_start_the_blur_or_the_cut(tmp_path):
    source = tmp_path / "cover.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "color=black:s=320x240:r=30:d=1.5",
                    "-f", "lavfi", "-i", "testsrc2=s=320x240:r=30:d=1.5", "-f", "lavfi",
                    "-i", "testsrc2=s=320x240:r=30:d=1.5", "-filter_complex",
                    "[1]gblur=sigma=14[b];[0][b][2]concat=n=3:v=1:a=0,format=yuv420p", "-c:v", "libx264",
                    str(source)], check=True)
    copies = vt.make_copies(source, tmp_path / "out", vertical=False)
    assert 3.0 < copies.cover_at < 4.5  # in the sharp third, after the cut into it
    cover = Image.open(copies.cover)
    assert cover.format == "JPEG" and cover.size == (320, 240) and not cover.getexif()
    assert ImageStat.Stat(cover.convert("L")).mean[0] > 40


def test_a_video_whose_pictures_are_damaged_is_refused(tmp_path):
    source = clips.silent(tmp_path / "ok.mp4", seconds=3)
    data = bytearray(source.read_bytes())
    mdat = next(b for b in rules.walk_boxes(bytes(data)) if b.path == "mdat")
    rng = random.Random(7)
    start, end = mdat.offset + mdat.header + 2000, mdat.offset + mdat.size
    data[start:end] = bytes(rng.randrange(256) for _ in range(end - start))
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(bytes(data))
    with pytest.raises(vt.VideoUnreadable):
        vt.make_copies(broken, tmp_path / "out", vertical=False)


def test_a_file_without_a_movie_is_refused_at_the_probe(tmp_path):
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(clips.cut_off(clips.silent(tmp_path / "whole.mp4").read_bytes()))
    with pytest.raises(vt.VideoUnreadable):
        vt.probe(cut)


def test_a_video_too_long_for_reels_is_refused_before_any_work_with_a_bilingual_reason(tmp_path):
    source = clips.long_clip(tmp_path / "long.mp4", seconds=15 * 60 + 5)
    duration = vt.probe(source).duration
    limits = rules.video_channels([ChannelConfig(type="facebook"), ChannelConfig(type="instagram")])
    refusal = rules.check_duration(duration, limits)
    assert refusal is not None and refusal.code == "too_long_for_instagram"
    assert "Instagram Reels" in refusal.message.id and "15:05" in refusal.message.id
    assert "trim" in refusal.message.en.lower() and "15 minutes" in refusal.message.en
    # Facebook alone takes 4 hours, but this step stops at what one function run transcodes in time
    alone = rules.check_duration(duration, rules.video_channels([ChannelConfig(type="facebook")]))
    assert alone is not None and alone.code == "video_too_long" and "15 menit" in alone.message.id
    assert rules.check_duration(60, rules.video_channels([ChannelConfig(type="facebook")])) is None


def _frame(path: Path, at: float) -> Image.Image:
    import av

    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            if frame.time >= at:
                return frame.to_image()
    raise AssertionError("no frame")


def _detail(image: Image.Image) -> float:
    from PIL import ImageFilter

    return ImageStat.Stat(image.convert("L").filter(ImageFilter.FIND_EDGES)).stddev[0]
