"""The website's photos in the sizes a reader's screen needs, in WebP (issue 15).

The site's gallery is at most 44 rem (704 px) wide, half that for the photos after the first on a wide
screen; a phone is 360-430 px at 2-3 device pixels per CSS pixel. Three WebP widths cover them; the
sanitized JPEG stays beside them as the fallback and the ``og:image`` the channels read. WebP from
Pillow (libwebp in its wheels, aarch64 included), no metadata written.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

WIDTHS = (480, 960, 1440)
WEBP_QUALITY = 75
#: The gallery's layout (templates/site/_style.css): the first photo spans the column, the rest share it
#: in two columns from 40 rem up; the column is 46 rem less 2 rem of padding.
SIZES_FIRST = "(min-width: 46rem) 44rem, calc(100vw - 2rem)"
SIZES_OTHERS = "(min-width: 46rem) 21.75rem, (min-width: 40rem) calc(50vw - 1.25rem), calc(100vw - 2rem)"


@dataclass(frozen=True)
class Rendition:
    width: int
    height: int
    data: bytes


def webp_renditions(photo: bytes, widths: tuple[int, ...] = WIDTHS) -> list[Rendition]:
    """WebP copies of a sanitized photo at each width up to its own (never enlarged), smallest first."""
    from PIL import Image

    with Image.open(io.BytesIO(photo), formats=("JPEG", "PNG", "WEBP")) as source:
        source.load()
        image = source.convert("RGB")
    out: list[Rendition] = []
    for width in widths:
        width = min(width, image.width)
        if out and width <= out[-1].width:
            break
        height = max(1, round(image.height * width / image.width))
        sized = image if width == image.width else image.resize((width, height), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        sized.save(buffer, "WEBP", quality=WEBP_QUALITY, method=4)
        out.append(Rendition(width, height, buffer.getvalue()))
    return out


def srcset(names_and_widths: list[tuple[str, int]]) -> str:
    return ", ".join(f"{name} {width}w" for name, width in names_and_widths)
