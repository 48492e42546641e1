"""Intake checks on uploaded files: bytes in, verdict or clean bytes out.

A file is judged by its first bytes, never by its name or the type the browser declared: the
declared type must agree with what the bytes are. Photos are decoded under a pixel limit, turned
upright, stripped of every piece of metadata (EXIF with GPS, XMP, comments, ICC) and re-encoded,
so what is published carries no location of a staff member's home and no parser surprise. HEIC
(iPhone) photos are decoded through pillow-heif and published as JPEG. Videos are not re-encoded:
:class:`VideoCleaner` streams the original once, checks its box structure and writes a copy whose
location and camera boxes are blanked in place.
"""

from __future__ import annotations

import io
import math
import struct
import warnings
from functools import cache
from typing import Literal

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError
from pydantic import BaseModel

from .errors import KabarError
from .file_types import ALLOWED_TYPES, canonical_type  # noqa: F401 - where intake and tests name them
from .models import FileKind
from .text import Bilingual, t

#: The largest photo decoded, in pixels (a 60 MP phone photo fits; a pixel flood does not).
MAX_PIXELS = 60_000_000
# Pillow's own guard, for the process: warns above this, refuses above twice this.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

#: The only decoders Pillow may use on an upload (no EPS/Ghostscript, no exotic parsers).
_DECODERS = ("JPEG", "PNG", "WEBP", "HEIF")

_KIND_NAME = {FileKind.PHOTO: t("foto", "photo"), FileKind.VIDEO: t("video", "video")}
_KIND_FORMATS = {FileKind.PHOTO: "JPEG, PNG, WebP, HEIC", FileKind.VIDEO: "MP4, MOV"}

# --- ISO base media file format (MP4, MOV, HEIF): the ftyp box and its brands --------------------

_QT_BRANDS = {b"qt  "}
_MP4_BRANDS = {
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"iso8", b"iso9",
    b"mp41", b"mp42", b"mp71", b"avc1", b"M4V ", b"M4VH", b"M4VP", b"mmp4", b"MSNV",
    b"dash", b"f4v ", b"NDAS", b"XAVC", b"MiVo",
}
_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"}
_AVIF_BRANDS = {b"avif", b"avis"}
_3GP_BRANDS = {b"3gp4", b"3gp5", b"3gp6", b"3gp7", b"3gs7", b"3ge6", b"3ge7", b"3gg6", b"3g2a"}
_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "}


class MediaRejected(KabarError):
    """A file intake refuses; ``code`` names the reason, ``message`` tells the person what to do."""

    status = 422

    def __init__(self, code: str, message: Bilingual) -> None:
        super().__init__(message)
        self.code = code


class CleanPhoto(BaseModel):
    data: bytes
    width: int
    height: int
    content_type: Literal["image/jpeg"] = "image/jpeg"




def ftyp_brands(head: bytes) -> list[bytes] | None:
    """Major brand then compatible brands of an ISO-BMFF ``ftyp`` box at offset 4, else None."""
    if len(head) < 12 or head[4:8] != b"ftyp":
        return None
    size = struct.unpack(">I", head[:4])[0]
    if size < 16 or size % 4 or size > 4096:
        return None
    box = head[8:min(size, len(head))]
    major, compatible = box[:4], box[8:]
    return [major] + [compatible[i:i + 4] for i in range(0, len(compatible) - 3, 4)]


def _ftyp_type(brands: list[bytes]) -> str | None:
    major, rest = brands[0], set(brands[1:])
    for group, mime in ((_QT_BRANDS, "video/quicktime"), (_HEIC_BRANDS, "image/heic"),
                        (_AVIF_BRANDS, "image/avif"), (_AUDIO_BRANDS, "audio/mp4"),
                        (_3GP_BRANDS, "video/3gpp"), (_MP4_BRANDS, "video/mp4")):
        if major in group:
            # A HEIF file may name the generic "mif1" first and the codec after it.
            codecs = rest & (_HEIC_BRANDS - {b"mif1", b"msf1"})
            if mime == "image/heic" and rest & _AVIF_BRANDS and not codecs:
                return "image/avif"
            return mime
    for group, mime in ((_HEIC_BRANDS, "image/heic"), (_AVIF_BRANDS, "image/avif"),
                        (_QT_BRANDS, "video/quicktime"), (_MP4_BRANDS, "video/mp4")):
        if rest & group:
            return mime
    return None


# --- Sniffing --------------------------------------------------------------------------------

_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (0, b"GIF87a", "image/gif"),
    (0, b"GIF89a", "image/gif"),
    (0, b"II*\x00", "image/tiff"),
    (0, b"MM\x00*", "image/tiff"),
    (0, b"%PDF-", "application/pdf"),
    (0, b"PK\x03\x04", "application/zip"),
    (0, b"PK\x05\x06", "application/zip"),
    (0, b"#!", "text/x-shellscript"),
    (0, b"\x7fELF", "application/x-executable"),
    (0, b"MZ", "application/x-msdownload"),
)


def sniff(head: bytes) -> str | None:
    """The MIME type the first bytes of a file show (give at least 4 KiB), or None.

    Image and video types come only from signatures checked here; a type puremagic guesses
    as an image or video without such a signature is reported as ``application/octet-stream``.
    Markup (HTML, SVG, XML), scripts, PDF and archives never come back as an image or video.
    """
    if not head:
        return None
    brands = ftyp_brands(head)
    if brands is not None:
        return _ftyp_type(brands) or "application/octet-stream"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    for offset, magic, mime in _SIGNATURES:
        if head[offset:offset + len(magic)] == magic:
            return mime
    text = head.lstrip(b"\xef\xbb\xbf").lstrip(b" \t\r\n\x0c")
    if text[:1] == b"<":
        lowered = text[:4096].lower()
        return "application/xml" if b"<svg" in lowered or lowered.startswith(b"<?xml") else "text/html"
    guess = _puremagic_type(head)
    if guess:
        return "application/octet-stream" if guess.startswith(("image/", "video/")) else guess
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError:
            # a multi-byte character may be cut at the end of the head
            try:
                head[:-4].decode("utf-8")
            except UnicodeDecodeError:
                return None
        return "text/plain"
    return None


def _puremagic_type(head: bytes) -> str | None:
    import puremagic  # its signature database loads here, on the first file sniffed, not at every cold start

    try:
        matches = puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):
        return None
    typed = [m for m in matches if m.mime_type]
    if not typed:
        return None
    return max(typed, key=lambda m: m.confidence).mime_type


# --- Declared versus found -------------------------------------------------------------------


def check_declared(kind: FileKind, declared_type: str, sniffed: str | None) -> None:
    """Refuse a file whose bytes are not an allowed type of its kind, or not what was declared."""
    name = _KIND_NAME[kind]
    formats = _KIND_FORMATS[kind]
    if sniffed is None or sniffed == "application/octet-stream":
        raise MediaRejected("type_unknown", t(
            f"Jenis berkas tidak dikenali sebagai {name.id}. Unggah {name.id} asli dalam format {formats}.",
            f"The file is not recognised as a {name.en}. Upload the original {name.en} as {formats}."))
    if sniffed not in ALLOWED_TYPES[kind]:
        other = next((k for k, types in ALLOWED_TYPES.items() if k is not kind and sniffed in types), None)
        if other is not None:
            found = _KIND_NAME[other]
            raise MediaRejected("wrong_kind", t(
                f"Berkas ini berisi {found.id}, bukan {name.id}. Unggah di kolom {found.id}.",
                f"This file holds a {found.en}, not a {name.en}. Upload it as a {found.en}."))
        raise MediaRejected("type_not_allowed", t(
            f"Isi berkas ({sniffed}) bukan {name.id} yang diterima. Gunakan format {formats}.",
            f"The file's content ({sniffed}) is not an accepted {name.en}. Use {formats}."))
    declared = canonical_type(declared_type)
    if declared != sniffed:
        raise MediaRejected("type_mismatch", t(
            f"Isi berkas ({sniffed}) tidak sesuai dengan jenis yang dinyatakan ({declared or '-'}). "
            "Unggah ulang berkas aslinya tanpa mengganti nama ekstensinya.",
            f"The file's content ({sniffed}) does not match its declared type ({declared or '-'}). "
            "Upload the original file again without renaming its extension."))


def check_video(head: bytes) -> str:
    """The MIME type of a video from its ``ftyp`` box (MP4 or MOV), else MediaRejected."""
    brands = ftyp_brands(head)
    mime = _ftyp_type(brands) if brands else None
    if mime not in ALLOWED_TYPES[FileKind.VIDEO]:
        raise MediaRejected("video_unrecognised", t(
            "Video tidak dikenali sebagai MP4 atau MOV. Unggah berkas video asli dari kamera ponsel.",
            "The video is not recognised as MP4 or MOV. "
            "Upload the original video file from the phone's camera."))
    return mime


# --- Photos ----------------------------------------------------------------------------------

_CORRUPT = t(
    "Foto rusak atau tidak lengkap (mungkin unggahan terputus). Unggah ulang foto aslinya.",
    "The photo is damaged or incomplete (the upload may have been cut off). Upload the original photo again.")
_TOO_LARGE = t(
    f"Resolusi foto terlalu besar (lebih dari {MAX_PIXELS // 1_000_000} megapiksel). "
    "Unggah foto langsung dari kamera ponsel.",
    f"The photo's resolution is too large (over {MAX_PIXELS // 1_000_000} megapixels). "
    "Upload the photo straight from the phone's camera.")


@cache
def _register_heif() -> None:
    """HEIC (iPhone photos) through pillow-heif, registered on first decode: other handlers never pay for it.

    pillow-heif applies the HEIF orientation (irot/imir) while decoding and resets the EXIF
    orientation to 1, so the usual EXIF transpose afterwards does not turn the photo twice.
    """
    from pillow_heif import register_heif_opener

    register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)


def open_image(data: bytes, max_side: int | None = None) -> Image.Image:
    """Open and fully decode an image under the pixel limit; MediaRejected on anything doubtful.

    With ``max_side``, a JPEG is decoded at the smallest DCT scale (1/2, 1/4, 1/8) that still gives at
    least 90 % of ``max_side``: a 12 MP photo decodes at 2000x1500, a 50 MP one at a quarter of its
    pixels' memory, and the copy for publishing loses nothing it would keep.
    """
    _register_heif()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=_DECODERS) as probe:
                _check_pixels(probe)
                probe.verify()
            image = Image.open(io.BytesIO(data), formats=_DECODERS)
            _check_pixels(image)
            if image.format == "JPEG" and max_side:
                scale = 0.9 * max_side / max(image.size)
                if scale < 1:
                    image.draft("RGB", (math.ceil(image.width * scale), math.ceil(image.height * scale)))
            image.load()
    except MediaRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise MediaRejected("image_too_large", _TOO_LARGE) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError,
            struct.error, IndexError, TypeError) as err:
        # Pillow reports broken data through this whole family of errors
        raise MediaRejected("image_corrupt", _CORRUPT) from err
    return image


def _check_pixels(image: Image.Image) -> None:
    width, height = image.size
    if width < 1 or height < 1:
        raise MediaRejected("image_corrupt", _CORRUPT)
    if width * height > MAX_PIXELS:
        raise MediaRejected("image_too_large", _TOO_LARGE)


def to_srgb(image: Image.Image) -> Image.Image:
    """Upright RGB pixels in sRGB, on white where there was transparency; no metadata."""
    try:
        image = ImageOps.exif_transpose(image) or image
    except (OSError, ValueError, TypeError, KeyError, SyntaxError, struct.error):
        pass  # an unreadable orientation tag: keep the pixels as stored
    icc = image.info.get("icc_profile")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    if image.mode not in ("RGB", "CMYK"):
        image = image.convert("RGB")
    if icc:
        try:
            converted = ImageCms.profileToProfile(
                image, ImageCms.ImageCmsProfile(io.BytesIO(icc)), ImageCms.createProfile("sRGB"),
                outputMode="RGB")
            image = converted if converted is not None else image
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a broken profile: treat the pixels as sRGB
    if image.mode != "RGB":
        image = image.convert("RGB")
    # A fresh image: nothing of the original's info (EXIF, XMP, comment, ICC) can travel on.
    return Image.frombytes("RGB", image.size, image.tobytes())


def sanitize_photo(data: bytes, max_side: int = 2048) -> CleanPhoto:
    """Decode a photo safely, turn it upright, drop all metadata, downscale, re-encode as JPEG."""
    image = open_image(data, max_side)
    try:
        clean = to_srgb(image)
    finally:
        image.close()
    if max(clean.size) > max_side:
        clean.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=85, progressive=True, optimize=True)
    return CleanPhoto(data=out.getvalue(), width=clean.width, height=clean.height)


# --- Videos: the publishing copy, streamed -------------------------------------------------------

_VIDEO_CORRUPT = t(
    "Video rusak atau tidak lengkap (mungkin unggahan terputus). Unggah ulang video aslinya.",
    "The video is damaged or incomplete (the upload may have been cut off). Upload the original video again.")
_VIDEO_TOO_COMPLEX = t(
    "Video tidak dapat diproses (indeks video terlalu besar). Unggah video yang lebih pendek.",
    "The video cannot be processed (its index is too large). Upload a shorter video.")

#: Boxes that hold what a phone writes about where and with what a video was taken: the
#: Android/ISO ``udta`` (``©xyz`` GPS), QuickTime ``meta`` (``com.apple.quicktime.location.ISO6709``,
#: make, model, software) and top-level ``uuid`` boxes (XMP, which may carry GPS as well).
_VIDEO_METADATA_BOXES = {b"udta", b"meta"}
_TOP_LEVEL_METADATA_BOXES = _VIDEO_METADATA_BOXES | {b"uuid"}
MAX_MOOV_BYTES = 64 * 1024 * 1024


def _blank(box: bytearray, start: int, size: int, header: int) -> None:
    """Turn a box into ``free`` of the same size, its content zeroed: every offset stays valid."""
    box[start + 4:start + 8] = b"free"
    box[start + header:start + size] = bytes(size - header)


def _box_header(data: bytes | bytearray, at: int, end: int) -> tuple[int, bytes, int]:
    """(size, type, header length) of the box at ``at``; MediaRejected when it does not fit in ``end``."""
    if end - at < 8:
        raise MediaRejected("video_corrupt", _VIDEO_CORRUPT)
    size, kind = struct.unpack(">I4s", bytes(data[at:at + 8]))
    header = 8
    if size == 1:
        if end - at < 16:
            raise MediaRejected("video_corrupt", _VIDEO_CORRUPT)
        size, header = struct.unpack(">Q", bytes(data[at + 8:at + 16]))[0], 16
    elif size == 0:
        size = end - at
    if size < header or at + size > end:
        raise MediaRejected("video_corrupt", _VIDEO_CORRUPT)
    return size, kind, header


def _strip_moov(moov: bytearray) -> bytearray:
    """Blank the metadata boxes of the movie and of each track; the samples and timing stay as they are."""
    def walk(start: int, end: int, depth: int) -> None:
        at = start
        while at < end:
            size, kind, header = _box_header(moov, at, end)
            if kind in _VIDEO_METADATA_BOXES:
                _blank(moov, at, size, header)
            elif kind == b"trak" and depth == 0:
                walk(at + header, at + size, depth + 1)
            at += size

    size, kind, header = _box_header(moov, 0, len(moov))
    walk(header, size, 0)
    return moov


class VideoCleaner:
    """Walks the top-level boxes of an MP4/MOV as it streams past and gives back the publishing copy.

    Feed it the original chunk by chunk; it returns bytes to write. The copy is the original with
    every location and camera metadata box blanked (same sizes, so the sample offsets stay valid).
    ``finish`` refuses a file whose boxes do not add up to its length (a cut-off upload) or that
    has no ``moov`` (no playable movie). Memory: the ``moov`` box (a few MB) and one chunk.
    """

    def __init__(self) -> None:
        self._pending = bytearray()  # a box header split across chunks, or the moov being collected
        self._remaining: int | None = 0  # bytes left in the current box; None: it runs to the end
        self._mode = "header"  # header | pass | blank | moov
        self._boxes: list[bytes] = []
        self.size = 0

    def feed(self, chunk: bytes) -> bytes:
        self.size += len(chunk)
        out = bytearray()
        view = memoryview(chunk)
        while view:
            if self._mode == "header":
                view = self._read_header(view, out)
                continue
            take = len(view) if self._remaining is None else min(self._remaining, len(view))
            piece, view = view[:take], view[take:]
            if self._mode == "pass":
                out += piece
            elif self._mode == "blank":
                out += bytes(take)
            else:
                self._pending += piece
            if self._remaining is not None:
                self._remaining -= take
                if self._remaining == 0:
                    if self._mode == "moov":
                        out += _strip_moov(self._pending)
                        self._pending = bytearray()
                    self._mode = "header"
        return bytes(out)

    def _read_header(self, view: memoryview, out: bytearray) -> memoryview:
        need = 16 if len(self._pending) >= 4 and self._pending[:4] == b"\0\0\0\x01" else 8
        take = min(need - len(self._pending), len(view))
        self._pending += view[:take]
        view = view[take:]
        if len(self._pending) < need:
            return view
        if need == 8 and self._pending[:4] == b"\0\0\0\x01":
            return view  # a 64-bit size follows: read 8 more bytes
        size, kind = struct.unpack(">I4s", bytes(self._pending[:8]))
        if size == 1:
            size = struct.unpack(">Q", bytes(self._pending[8:16]))[0]
        if not self._boxes and kind != b"ftyp":
            raise MediaRejected("video_unrecognised", t(
                "Video tidak dikenali sebagai MP4 atau MOV. Unggah berkas video asli dari kamera ponsel.",
                "The video is not recognised as MP4 or MOV. Upload the original video file from the phone's camera."))
        if size != 0 and size < need:
            raise MediaRejected("video_corrupt", _VIDEO_CORRUPT)
        self._boxes.append(kind)
        header = bytes(self._pending)
        self._remaining = None if size == 0 else size - need
        if kind == b"moov":
            if size == 0 or size > MAX_MOOV_BYTES:
                raise MediaRejected("video_too_complex", _VIDEO_TOO_COMPLEX)
            self._mode = "moov"  # the pending header stays: the whole box is collected
        else:
            self._mode = "blank" if kind in _TOP_LEVEL_METADATA_BOXES else "pass"
            out += header if self._mode == "pass" else header[:4] + b"free" + header[8:]
            self._pending = bytearray()
        if self._remaining == 0:
            if self._mode == "moov":
                out += _strip_moov(self._pending)
                self._pending = bytearray()
            self._mode = "header"
        return view

    def finish(self) -> None:
        """MediaRejected unless the last box ended exactly at the end of the file and a movie was found."""
        cut = (self._mode == "header" and self._pending) or (self._mode != "header" and self._remaining)
        if cut or b"moov" not in self._boxes or b"mdat" not in self._boxes:
            raise MediaRejected("video_corrupt", _VIDEO_CORRUPT)
