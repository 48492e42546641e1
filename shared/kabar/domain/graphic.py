"""SOP step 2 (social): the cover of the carousel, a 1080x1350 JPEG with the title on the photo.

Drawn with DejaVu Sans (Bold for the title), a free font the project ships in ``kabar/static`` with
its licence: it covers the Latin letters of Bahasa Indonesia and of Javanese names (é, ñ, the dashes
and quotes), so no character is lost, and the same input always gives the same bytes on any machine.
The village's logo, when it has one, stands in the top-left corner.
"""

from __future__ import annotations

import io
import unicodedata
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

from .media import open_image, to_srgb

STATIC = Path(__file__).resolve().parent.parent / "static"
TITLE_FONT = STATIC / "DejaVuSans-Bold.ttf"
TEXT_FONT = STATIC / "DejaVuSans.ttf"
LOGO_BOX = 150
WIDTH, HEIGHT = 1080, 1350
MARGIN = 72
BOTTOM = 84
TITLE_SIZES = (76, 68, 60, 54)  # the largest size at which the title fits 3 lines wins
TITLE_LINES = 3
SUBLINE_SIZE = 36
LINE_GAP = 0.22  # of the font size
ELLIPSIS = "…"
DARK = (12, 14, 18)
ACCENT = (255, 196, 0)

#: Punctuation written plainly should a font lack it (DejaVu has all of these).
_FALLBACK = {
    "–": "-", "—": "-", "‒": "-", "―": "-", "‐": "-", "‑": "-", "−": "-",
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"', "‟": '"',
    "«": '"', "»": '"', "\u00a0": " ", "\u202f": " ", "\u2009": " ",
}


@lru_cache(maxsize=8)
def _font(size: int, bold: bool = True) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(TITLE_FONT if bold else TEXT_FONT), size)


@lru_cache(maxsize=1)
def _missing_glyph() -> bytes:
    return bytes(_font(40).getmask("\ue000"))  # a private-use code point: the font's "no glyph" box


@lru_cache(maxsize=4096)
def _has_glyph(char: str) -> bool:
    return char.isspace() or bytes(_font(40).getmask(char)) != _missing_glyph()


def fit_text(text: str) -> str:
    """The text with every character the font cannot draw replaced (é -> e, – -> -) or dropped."""
    out: list[str] = []
    for char in unicodedata.normalize("NFC", " ".join(text.split())):
        if _has_glyph(char):
            out.append(char)
            continue
        fallback = _FALLBACK.get(char)
        if fallback is None:
            base = unicodedata.normalize("NFKD", char)
            fallback = "".join(c for c in base if not unicodedata.combining(c) and _has_glyph(c))
        out.append(fallback)
    return " ".join("".join(out).split())


def _ellipsize(line: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    """``line`` ended with an ellipsis at a word boundary (or a character, for one long word)."""
    words = line.split(" ")
    while len(words) > 1 and font.getlength(" ".join(words) + ELLIPSIS) > width:
        words.pop()
    text = " ".join(words).rstrip(",.;:-")
    if text and font.getlength(text + ELLIPSIS) > width:
        text = text[:_longest_fit(text + ELLIPSIS, font, width) - 1]
        while len(text) > 1 and font.getlength(text + ELLIPSIS) > width:  # "…" can be wider than a letter
            text = text[:-1]
    return text.rstrip() + ELLIPSIS


def _longest_fit(text: str, font: ImageFont.FreeTypeFont, width: int) -> int:
    """How many leading characters of ``text`` fit ``width`` (at least one)."""
    low, high = 1, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if font.getlength(text[:middle]) <= width:
            low = middle
        else:
            high = middle - 1
    return low


def wrap(text: str, font: ImageFont.FreeTypeFont, width: int, max_lines: int) -> tuple[list[str], bool]:
    """Greedy word wrap within ``width`` pixels; the second value says whether all of it fitted."""
    lines: list[str] = []
    current = ""
    words = text.split(" ")
    for index, word in enumerate(words):
        candidate = f"{current} {word}".strip()
        if font.getlength(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word
        while font.getlength(current) > width:  # one word wider than the line: break it
            cut = _longest_fit(current, font, width)
            lines.append(current[:cut])
            current = current[cut:]
        if len(lines) >= max_lines:
            rest = " ".join([current, *words[index + 1:]]).strip()
            lines = lines[:max_lines]
            lines[-1] = _ellipsize(f"{lines[-1]} {rest}", font, width)
            return lines, False
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines[max_lines - 1] = _ellipsize(" ".join(lines[max_lines - 1:]), font, width)
        return lines[:max_lines], False
    return lines, True


def _title_layout(title: str, width: int) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    for size in TITLE_SIZES:
        font = _font(size)
        lines, complete = wrap(title, font, width, TITLE_LINES)
        if complete:
            return font, lines
    return font, lines


def _gradient(height: int) -> Image.Image:
    """An alpha mask from clear at the top to 90% dark at the bottom, eased."""
    column = Image.new("L", (1, height))
    for y in range(height):
        position = y / max(height - 1, 1)
        column.putpixel((0, y), round(230 * min(1.0, position * 1.35) ** 1.2))
    return column.resize((WIDTH, height), Image.Resampling.NEAREST)


def make_cover(photo: bytes, title: str, village_name: str, date_text: str, logo: bytes | None = None) -> bytes:
    """The carousel's cover: the photo filling 1080x1350, the title and "village · date" on a dark band,
    and the village's logo (any image; transparency kept) in the top-left corner when there is one."""
    source = open_image(photo)
    try:
        image = to_srgb(source)
    finally:
        source.close()
    image = ImageOps.fit(image, (WIDTH, HEIGHT), Image.Resampling.LANCZOS, centering=(0.5, 0.5))

    text_width = WIDTH - 2 * MARGIN
    title_font, lines = _title_layout(fit_text(title) or "-", text_width)
    sub_font = _font(SUBLINE_SIZE, bold=False)
    subline = fit_text(f"{village_name} · {date_text}")
    if sub_font.getlength(subline) > text_width:
        subline = _ellipsize(subline, sub_font, text_width)

    title_step = round(title_font.size * (1 + LINE_GAP))
    sub_top = HEIGHT - BOTTOM - SUBLINE_SIZE
    title_top = sub_top - round(SUBLINE_SIZE * 0.9) - title_step * len(lines)
    band_top = max(0, title_top - 320)
    band = Image.new("RGB", (WIDTH, HEIGHT - band_top), DARK)
    image.paste(band, (0, band_top), _gradient(HEIGHT - band_top))

    def write(draw: ImageDraw.ImageDraw, title_fill: int | str | tuple[int, ...],
              sub_fill: int | str | tuple[int, ...]) -> None:
        for i, line in enumerate(lines):
            draw.text((MARGIN, title_top + i * title_step), line, font=title_font, fill=title_fill)
        draw.text((MARGIN, sub_top), subline, font=sub_font, fill=sub_fill)

    # A soft shadow under the words keeps them readable on a bright photo.
    shadow = Image.new("L", (WIDTH, HEIGHT), 0)
    write(ImageDraw.Draw(shadow), 150, 150)
    image.paste(Image.new("RGB", image.size, DARK), (0, 0), shadow.filter(ImageFilter.GaussianBlur(6)))
    draw = ImageDraw.Draw(image)
    write(draw, (255, 255, 255), (235, 235, 235))
    draw.rectangle((MARGIN, sub_top - 22, MARGIN + 64, sub_top - 17), fill=ACCENT)
    if logo:
        _paste_logo(image, logo)

    out = io.BytesIO()
    image.save(out, "JPEG", quality=88, optimize=True, progressive=True)
    return out.getvalue()


def _paste_logo(image: Image.Image, logo: bytes) -> None:
    """The logo within a 150 px box at the top-left margin, its transparency kept."""
    source = open_image(logo)
    try:
        mark = ImageOps.exif_transpose(source).convert("RGBA")
    finally:
        source.close()
    mark = ImageOps.contain(mark, (LOGO_BOX, LOGO_BOX), Image.Resampling.LANCZOS)
    image.paste(mark, (MARGIN // 2, MARGIN // 2), mark)
