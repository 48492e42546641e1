"""How a big video is cut into parts: S3's limits (5 MiB smallest part but the last, 10 000 parts at most)."""

from types import SimpleNamespace

import pytest

from kabar.usecases.uploads import MAX_PARTS, MIN_PART_BYTES, expected_parts, part_size

MIB = 1024 * 1024


def svc(part_bytes: int = 8 * MIB):
    return SimpleNamespace(settings=SimpleNamespace(multipart_part_bytes=part_bytes))


@pytest.mark.parametrize(("size", "parts"), [
    (16 * MIB + 1, [8 * MIB, 8 * MIB, 1]),
    (24 * MIB, [8 * MIB] * 3),
    (5, [5]),
])
def test_parts_add_up_to_the_file_and_only_the_last_is_short(size, parts):
    assert expected_parts(size, part_size(size, svc())) == parts
    assert sum(parts) == size


def test_a_huge_file_gets_bigger_parts_to_stay_within_ten_thousand():
    size = 100 * 1024 * MIB  # 100 GiB
    sizes = expected_parts(size, part_size(size, svc()))
    assert len(sizes) <= MAX_PARTS and sum(sizes) == size
    assert all(s >= MIN_PART_BYTES for s in sizes[:-1])


def test_a_configured_part_below_the_s3_minimum_is_raised_to_it():
    assert part_size(50 * MIB, svc(1 * MIB)) == MIN_PART_BYTES
