"""The publishing copy of a video: location and camera metadata blanked, samples untouched, streamed;
a cut-off or hollow file refused."""

from __future__ import annotations

import struct

import pytest

from kabar.domain.media import MediaRejected, VideoCleaner
from kabar_local.samples import video

GPS = b"-07.6367+110.4009/"  # what an Android phone writes in moov/udta/(c)xyz


def box(kind: bytes, *children: bytes, large: bool = False) -> bytes:
    body = b"".join(children)
    if large:
        return struct.pack(">I4sQ", 1, kind, 16 + len(body)) + body
    return struct.pack(">I4s", 8 + len(body), kind) + body


def movie(large_mdat: bool = False) -> bytes:
    location = box(b"udta", box(b"\xa9xyz", b"\0\x12\x15\xc7" + GPS))
    apple = box(b"meta", box(b"keys", b"com.apple.quicktime.location.ISO6709"), box(b"ilst", GPS))
    track = box(b"trak", box(b"tkhd", b"\1" * 84), box(b"meta", b"Pixel 8 Pro"), box(b"mdia", b"\2" * 40))
    return (box(b"ftyp", b"isom\0\0\2\0isomiso2mp41") + box(b"mdat", b"\x55" * 5000, large=large_mdat)
            + box(b"moov", box(b"mvhd", b"\3" * 100), track, location, apple)
            + box(b"uuid", b"\xbe\x7a\xcf\xcb" + b"\0" * 12 + b"<x:xmpmeta>GPS</x:xmpmeta>"))


def cleaned(data: bytes, chunk: int) -> bytes:
    cleaner = VideoCleaner()
    out = b"".join(cleaner.feed(data[i:i + chunk]) for i in range(0, len(data), chunk))
    cleaner.finish()
    return out


@pytest.mark.parametrize("chunk", [1, 5, 8, 13, 4096, 1 << 20])
def test_location_and_camera_boxes_are_blanked_whatever_the_chunking(chunk):
    original = movie()
    copy = cleaned(original, chunk)
    assert len(copy) == len(original)  # same sizes: every sample offset in the index stays valid
    for secret in (GPS, b"com.apple.quicktime.location", b"Pixel 8 Pro", b"xmpmeta", b"\xa9xyz"):
        assert secret in original and secret not in copy
    assert b"\x55" * 5000 in copy and b"\3" * 100 in copy and b"\2" * 40 in copy  # samples and timing kept
    assert copy.count(b"free") == 4  # moov/udta, moov/meta, trak/meta, the top-level uuid


def test_a_64_bit_box_size_is_followed():
    original = movie(large_mdat=True)
    copy = cleaned(original, 7)
    assert len(copy) == len(original) and GPS not in copy


def test_the_real_sample_video_keeps_its_length_and_loses_its_user_data():
    original = video()
    copy = cleaned(original, 1000)
    assert len(copy) == len(original) and b"udta" in original and b"udta" not in copy


@pytest.mark.parametrize(("data", "code"), [
    (movie()[:-10], "video_corrupt"),  # the upload was cut off
    (movie()[:4000], "video_corrupt"),
    (movie()[:30], "video_corrupt"),  # cut inside a box header
    (box(b"ftyp", b"isom\0\0\2\0isom") + box(b"mdat", b"\0" * 100), "video_corrupt"),  # no movie index
    (box(b"ftyp", b"isom\0\0\2\0isom") + struct.pack(">I4s", 4, b"mdat") + b"\0" * 8, "video_corrupt"),
    (b"PK\x03\x04" + b"\0" * 200, "video_unrecognised"),  # a ZIP renamed .mp4
    (b"<html><script>x</script></html>", "video_unrecognised"),
])
def test_damaged_or_foreign_files_are_refused_with_advice(data, code):
    with pytest.raises(MediaRejected) as caught:
        cleaned(data, 64)
    assert caught.value.code == code
    assert "Unggah" in caught.value.message.id and "Upload" in caught.value.message.en
