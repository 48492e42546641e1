"""Intake checks on uploaded files: bytes in, verdict or clean bytes out.

A file is judged by its first bytes, never by its name or the type the browser declared: the
declared type must agree with what the bytes are. Photos are decoded under a pixel limit, turned
upright, stripped of every piece of metadata (EXIF with GPS, XMP, comments, ICC) and re-encoded,
so what is published carries no location of a staff member's home and no parser surprise.
"""

from __future__ import annotations

import io
import struct
import warnings
from typing import Literal

import puremagic
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError
from pydantic import BaseModel

from .errors import KabarError
from .models import FileKind
from .text import Bilingual, t

#: The largest photo decoded, in pixels (a 60 MP phone photo fits; a pixel flood does not).
MAX_PIXELS = 60_000_000
# Pillow's own guard, for the process: warns above this, refuses above twice this.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

ALLOWED_TYPES: dict[FileKind, set[str]] = {
    FileKind.PHOTO: {"image/jpeg", "image/png", "image/webp", "image/heic"},
    FileKind.VIDEO: {"video/mp4", "video/quicktime"},
}

#: Names browsers and phones give to the same type.
_ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/jpe": "image/jpeg",
    "image/heif": "image/heic",
    "image/heic-sequence": "image/heic",
    "image/heif-sequence": "image/heic",
    "video/x-m4v": "video/mp4",
    "video/mov": "video/quicktime",
}

#: The only decoders Pillow may use on an upload (no EPS/Ghostscript, no exotic parsers).
_DECODERS = ("JPEG", "PNG", "WEBP")

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


def canonical_type(content_type: str | None) -> str:
    """``Image/JPG; charset=x`` -> ``image/jpeg``: one name per type."""
    base = (content_type or "").split(";", 1)[0].strip().lower()
    return _ALIASES.get(base, base)


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
_HEIC = t(
    "Foto HEIC belum dapat diproses. Kirim foto sebagai JPEG (di iPhone: Pengaturan > Kamera > Format > "
    "'Paling Kompatibel'), lalu unggah lagi.",
    "HEIC photos cannot be processed yet. Send the photo as JPEG (on an iPhone: Settings > Camera > "
    "Formats > 'Most Compatible'), then upload it again.")


def open_image(data: bytes) -> Image.Image:
    """Open and fully decode an image under the pixel limit; MediaRejected on anything doubtful."""
    if sniff(data[:8192]) == "image/heic":
        raise MediaRejected("heic_unsupported", _HEIC)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=_DECODERS) as probe:
                _check_pixels(probe)
                probe.verify()
            image = Image.open(io.BytesIO(data), formats=_DECODERS)
            _check_pixels(image)
            if image.format == "JPEG":
                # decode at a reduced DCT scale when the photo is far larger than needed
                image.draft("RGB", (4096, 4096))
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
            image = ImageCms.profileToProfile(
                image, ImageCms.ImageCmsProfile(io.BytesIO(icc)), ImageCms.createProfile("sRGB"),
                outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a broken profile: treat the pixels as sRGB
    if image.mode != "RGB":
        image = image.convert("RGB")
    # A fresh image: nothing of the original's info (EXIF, XMP, comment, ICC) can travel on.
    return Image.frombytes("RGB", image.size, image.tobytes())


def sanitize_photo(data: bytes, max_side: int = 2048) -> CleanPhoto:
    """Decode a photo safely, turn it upright, drop all metadata, downscale, re-encode as JPEG."""
    image = open_image(data)
    try:
        clean = to_srgb(image)
    finally:
        image.close()
    if max(clean.size) > max_side:
        clean.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=85, progressive=True, optimize=True)
    return CleanPhoto(data=out.getvalue(), width=clean.width, height=clean.height)
