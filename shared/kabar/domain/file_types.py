"""The file types an upload may declare, and one name per type: what the submissions API checks before a
byte arrives, without loading the image decoders (``media.py`` does the sniffing and decoding)."""

from __future__ import annotations

from .models import FileKind

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


def canonical_type(content_type: str | None) -> str:
    """``Image/JPG; charset=x`` -> ``image/jpeg``: one name per type."""
    base = (content_type or "").split(";", 1)[0].strip().lower()
    return _ALIASES.get(base, base)
