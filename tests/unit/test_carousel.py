"""Choosing and framing the carousel's photos: sharp ones, no near-copies, portrait and landscape."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageEnhance, ImageFilter

from kabar.domain.carousel import HEIGHT, WIDTH, build_carousel, choose, frame, score


def scene(seed: int, size: tuple[int, int] = (1200, 900)) -> Image.Image:
    """A photo-like picture with crisp edges: random blocks of colour, different for each seed."""
    rng = random.Random(seed)
    small = Image.new("RGB", (24, 18))
    small.putdata([tuple(rng.randrange(256) for _ in range(3)) for _ in range(24 * 18)])
    return small.resize(size, Image.Resampling.NEAREST)


def jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def test_a_blurred_photo_scores_lower_than_the_same_photo_sharp():
    sharp = scene(1)
    assert score(0, sharp).sharpness > 5 * score(1, sharp.filter(ImageFilter.GaussianBlur(8))).sharpness


def test_the_score_does_not_depend_on_the_photo_size():
    big, small = score(0, scene(1, (2400, 1800))), score(1, scene(1, (1200, 900)))
    assert abs(big.sharpness - small.sharpness) / small.sharpness < 0.25 and big.dhash == small.dhash


def test_near_copies_are_one_scene_and_blurry_photos_are_left_out():
    photos = [
        scene(1),  # 0: scene A
        ImageEnhance.Contrast(scene(1)).enhance(0.9),  # 1: a burst copy of A, a little flatter
        scene(2),  # 2: scene B
        scene(3).filter(ImageFilter.GaussianBlur(10)),  # 3: scene C, shaken
        scene(4),  # 4: scene D
    ]
    assert choose([score(i, p) for i, p in enumerate(photos)], 9) == [0, 2, 4]
    assert len(choose([score(i, p) for i, p in enumerate(photos)], 2)) == 2


def test_only_blurry_photos_still_give_a_carousel():
    photos = [scene(5).filter(ImageFilter.GaussianBlur(10))]
    assert choose([score(0, photos[0])], 9) == [0]


def test_frames_are_1080x1350_and_a_landscape_photo_is_shown_whole():
    wide = Image.new("RGB", (1600, 900), (200, 30, 30))
    tall = Image.new("RGB", (900, 1600), (30, 30, 200))
    framed_wide, framed_tall = frame(wide), frame(tall)
    assert framed_wide.size == framed_tall.size == (WIDTH, HEIGHT)
    # the landscape photo keeps its full width: red from edge to edge across the middle, a darker backdrop
    assert framed_wide.getpixel((2, HEIGHT // 2))[0] > 190 and framed_wide.getpixel((WIDTH // 2, 20))[0] < 130
    # the portrait one fills the frame
    assert framed_tall.getpixel((2, 2))[2] > 190


def test_the_carousel_is_the_chosen_photos_framed_and_the_cover_is_the_sharpest():
    photos = [scene(8, (1000, 900)), scene(9, (900, 1600)), scene(10, (1600, 900))]
    carousel = build_carousel([jpeg(p) for p in photos], 9)
    assert carousel.indexes == [0, 1, 2]
    assert carousel.cover_index == max(range(3), key=lambda i: score(i, photos[i]).sharpness)
    assert all(Image.open(io.BytesIO(f)).size == (WIDTH, HEIGHT) for f in carousel.frames)
