"""SOP step 2 (social): the carousel's best photos, each framed 1080x1350 (Instagram's 4:5 portrait).

*Best* means sharp and not a near-copy of a photo already chosen:
- sharpness is the variance of the Laplacian of the grey image (Pillow's 3x3 kernel), measured on a
  copy 640 px wide so that a photo's size does not change its score; a photo far blurrier than the
  sharpest one (below ``BLUR_RATIO`` of it) is left out while enough sharp ones remain;
- near-copies (a burst of the same scene) are found by a 64-bit difference hash (dHash); two photos
  within ``DUPLICATE_DISTANCE`` bits are one scene, and only the sharper is kept.

The chosen photos keep the submitter's order (the story as it happened). A portrait photo is cropped
to 4:5; a landscape one is not cut in half: it is shown whole on a blurred, darkened copy of itself.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageEnhance, ImageFilter, ImageOps, ImageStat

from .media import MAX_PIXELS, open_image, to_srgb

WIDTH, HEIGHT = 1080, 1350
ANALYSIS_WIDTH = 640
BLUR_RATIO = 0.2
DUPLICATE_DISTANCE = 10
_LAPLACIAN = ImageFilter.Kernel((3, 3), (0, 1, 0, 1, -4, 1, 0, 1, 0), scale=1, offset=128)


@dataclass(frozen=True)
class PhotoScore:
    index: int
    sharpness: float
    dhash: int
    landscape: bool


def dhash(grey: Image.Image) -> int:
    """The 64-bit difference hash: is each pixel brighter than its right neighbour, on a 9x8 thumbnail."""
    small = grey.resize((9, 8), Image.Resampling.BILINEAR)
    pixels = small.tobytes()  # one byte per pixel ("L")
    bits = 0
    for row in range(8):
        for col in range(8):
            bits = (bits << 1) | (pixels[row * 9 + col] > pixels[row * 9 + col + 1])
    return bits


def sharpness(grey: Image.Image) -> float:
    """Variance of the Laplacian: high where edges are crisp, low on a blurred or shaken photo."""
    return float(ImageStat.Stat(grey.filter(_LAPLACIAN)).var[0])


def score(index: int, image: Image.Image) -> PhotoScore:
    grey = image.convert("L")
    if grey.width > ANALYSIS_WIDTH:
        grey = grey.resize((ANALYSIS_WIDTH, max(1, round(grey.height * ANALYSIS_WIDTH / grey.width))),
                           Image.Resampling.BILINEAR)
    return PhotoScore(index, sharpness(grey), dhash(grey), image.width > image.height)


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def choose(scores: list[PhotoScore], limit: int) -> list[int]:
    """Indexes of at most ``limit`` photos: sharpest first, no near-copies, blurry ones only if needed;
    returned in the submitter's order."""
    if not scores or limit <= 0:
        return []
    ranked = sorted(scores, key=lambda s: (-s.sharpness, s.index))
    floor = ranked[0].sharpness * BLUR_RATIO
    chosen: list[PhotoScore] = []
    for candidate in ranked:
        if len(chosen) >= limit:
            break
        if candidate.sharpness < floor and chosen:
            continue
        if any(hamming(candidate.dhash, c.dhash) <= DUPLICATE_DISTANCE for c in chosen):
            continue
        chosen.append(candidate)
    return sorted(c.index for c in chosen)


def frame(image: Image.Image) -> Image.Image:
    """The photo in 1080x1350: cropped when upright, whole on its own blurred backdrop when wide."""
    if image.height / image.width >= 1.0:
        return ImageOps.fit(image, (WIDTH, HEIGHT), Image.Resampling.LANCZOS, centering=(0.5, 0.4))
    backdrop = ImageOps.fit(image.resize((WIDTH // 8, round(WIDTH // 8 * image.height / image.width))),
                            (WIDTH // 8, HEIGHT // 8))
    backdrop = backdrop.filter(ImageFilter.GaussianBlur(4)).resize((WIDTH, HEIGHT), Image.Resampling.BILINEAR)
    backdrop = ImageEnhance.Brightness(backdrop).enhance(0.55)
    shown = ImageOps.contain(image, (WIDTH, HEIGHT), Image.Resampling.LANCZOS)
    backdrop.paste(shown, ((WIDTH - shown.width) // 2, (HEIGHT - shown.height) // 2))
    return backdrop


def jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88, optimize=True, progressive=True)
    return out.getvalue()


@dataclass(frozen=True)
class Carousel:
    indexes: list[int]  # the chosen photos, in the submitter's order
    frames: list[bytes]  # each one as a 1080x1350 JPEG
    cover_index: int  # the sharpest chosen photo: the cover graphic is drawn on it


def build_carousel(photos: list[bytes], limit: int) -> Carousel:
    """The best photos, each framed as a 1080x1350 JPEG.

    Photos are decoded one at a time and only the small analysis copies are kept, so memory stays
    flat however many photos arrive; the chosen ones are decoded again to be framed."""
    scores = [score(index, _analysis_copy(data)) for index, data in enumerate(photos)]
    chosen = choose(scores, limit)
    framed = []
    for index in chosen:
        image = _decode(photos[index])
        framed.append(jpeg(frame(image)))
        image.close()
    cover = max(chosen, key=lambda i: (scores[i].sharpness, -i)) if chosen else 0
    return Carousel(chosen, framed, cover)


def _analysis_copy(data: bytes) -> Image.Image:
    """A small grey copy for scoring: a JPEG is decoded at a reduced DCT scale (2-8x faster)."""
    with Image.open(io.BytesIO(data)) as probe:
        if probe.format != "JPEG" or probe.width * probe.height > MAX_PIXELS:
            return open_image(data).convert("L")  # anything else takes the guarded path
        probe.draft("L", (ANALYSIS_WIDTH, ANALYSIS_WIDTH))
        probe.load()
        return (ImageOps.exif_transpose(probe) or probe).convert("L")


def _decode(data: bytes) -> Image.Image:
    source = open_image(data)
    try:
        return to_srgb(source)
    finally:
        source.close()
