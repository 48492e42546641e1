"""SOP step 2 (social): the carousel's cover graphic."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw, ImageStat

from kabar.domain.graphic import HEIGHT, MARGIN, TITLE_LINES, WIDTH, _font, fit_text, make_cover, wrap
from kabar.domain.media import MediaRejected, sniff

LONG_TITLE = ("Kerja Bakti Dusun Ngepring Bersama Warga dan Perangkat Kalurahan untuk Membersihkan Saluran "
              "Irigasi Menjelang Musim Hujan serta Menanam Pohon di Sepanjang Jalan Dusun")


def photo(size: tuple[int, int], colour=(240, 240, 235)) -> bytes:
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    for x in range(0, size[0], size[0] // 8):
        draw.rectangle((x, 0, x + size[0] // 16, size[1]), fill=(60, 140, 60))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def luminance(image: Image.Image, box: tuple[int, int, int, int]) -> float:
    return ImageStat.Stat(image.convert("L").crop(box)).mean[0]


@pytest.mark.parametrize("size", [(1600, 900), (900, 1600), (1080, 1350), (300, 200)])
def test_cover_is_a_1080x1350_jpeg_whatever_the_photo_shape(size):
    cover = make_cover(photo(size), "Posyandu Balita", "Purwobinangun", "27 November 2026")
    assert sniff(cover) == "image/jpeg"
    image = Image.open(io.BytesIO(cover))
    assert image.format == "JPEG" and image.size == (WIDTH, HEIGHT) and image.mode == "RGB"


def test_cover_is_deterministic_and_depends_on_its_text():
    # Given the same photo and text twice
    source = photo((1600, 1200))
    first = make_cover(source, LONG_TITLE, "Purwobinangun", "27 November 2026")
    # Then the bytes are identical; a different title gives different bytes
    assert make_cover(source, LONG_TITLE, "Purwobinangun", "27 November 2026") == first
    assert make_cover(source, "Posyandu Balita", "Purwobinangun", "27 November 2026") != first


def test_cover_darkens_the_bottom_band_and_writes_white_text_on_it():
    # Given a bright photo
    cover = Image.open(io.BytesIO(make_cover(photo((1600, 1200)), "Posyandu Balita", "Purwobinangun",
                                             "27 November 2026")))
    # Then the band at the bottom is much darker than the top of the photo
    top = luminance(cover, (0, 0, WIDTH, 300))
    bottom = luminance(cover, (0, HEIGHT - 60, WIDTH, HEIGHT))
    assert bottom < top / 3
    # and the text area holds near-white pixels of the lettering
    text_area = cover.convert("L").crop((MARGIN, HEIGHT - 300, WIDTH - MARGIN, HEIGHT - 60))
    assert text_area.getextrema()[1] > 230


def test_long_title_wraps_to_three_lines_with_an_ellipsis():
    font = _font(54)
    width = WIDTH - 2 * MARGIN
    lines, complete = wrap(LONG_TITLE, font, width, TITLE_LINES)
    assert not complete
    assert len(lines) == TITLE_LINES
    assert lines[-1].endswith("…")
    assert all(font.getlength(line) <= width for line in lines)
    assert " ".join(lines).rstrip("…").split(" ")[:6] == LONG_TITLE.split(" ")[:6]


def test_a_short_title_is_not_ellipsized():
    lines, complete = wrap("Posyandu Balita", _font(76), WIDTH - 2 * MARGIN, TITLE_LINES)
    assert complete and lines == ["Posyandu Balita"]


def test_one_endless_word_is_broken_to_fit():
    font = _font(60)
    lines, _ = wrap("Ngepring" * 40, font, WIDTH - 2 * MARGIN, TITLE_LINES)
    assert len(lines) == TITLE_LINES
    assert all(font.getlength(line) <= WIDTH - 2 * MARGIN for line in lines)


def test_text_keeps_the_letters_of_indonesian_and_javanese_names_and_drops_what_the_font_lacks():
    # Given accented letters, dashes and the middle dot, Then the shipped font draws them all
    assert fit_text("Kerja Bakti – Ñgepring  Café") == "Kerja Bakti – Ñgepring Café"
    assert fit_text("Purwobinangun · 27 November 2026") == "Purwobinangun · 27 November 2026"
    # and a character it has no glyph for is dropped rather than drawn as a box
    assert fit_text("Desa 村 Purwobinangun") == "Desa Purwobinangun"


def test_the_font_is_the_one_the_project_ships_with_its_licence():
    from kabar.domain.graphic import STATIC, TITLE_FONT

    assert _font(40).path == str(TITLE_FONT) and TITLE_FONT.is_file()
    assert "bitstream-vera" in (STATIC / "DejaVu-LICENSE.txt").read_text()


def test_the_logo_stands_in_the_top_left_corner():
    logo = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
    ImageDraw.Draw(logo).ellipse((0, 0, 299, 299), fill=(220, 20, 20, 255))
    out = io.BytesIO()
    logo.save(out, "PNG")
    source = photo((1600, 1200))
    plain = Image.open(io.BytesIO(make_cover(source, "Posyandu Balita", "Purwobinangun", "27 November 2026")))
    marked = Image.open(io.BytesIO(make_cover(source, "Posyandu Balita", "Purwobinangun", "27 November 2026",
                                              logo=out.getvalue())))
    centre = (MARGIN // 2 + 75, MARGIN // 2 + 75)
    red, green, _ = marked.getpixel(centre)
    assert red > 180 and green < 80 and plain.getpixel(centre) != marked.getpixel(centre)
    # the logo's transparent corner shows the photo
    assert abs(marked.getpixel((MARGIN // 2 + 2, MARGIN // 2 + 2))[1] - plain.getpixel((MARGIN // 2 + 2,
                                                                                        MARGIN // 2 + 2))[1]) < 30


def test_a_broken_photo_is_refused_not_crashed_on():
    with pytest.raises(MediaRejected):
        make_cover(b"<html></html>", "Posyandu Balita", "Purwobinangun", "27 November 2026")
