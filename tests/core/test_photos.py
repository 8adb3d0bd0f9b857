"""Holder photos follow seed 001 附件 二.3: JPEG, 295×413, white background, 10–30 KB (over 30 KB
for 计算机技术与软件 and 通信); none needed for certificates from 2017 on."""

from __future__ import annotations

from datetime import date

import pytest

from ecert.core.errors import EcertError
from ecert.core.rules.catalogue import PhotoRule
from ecert.core.rules.photos import photo_check, photo_required
from tests.photos import id_photo, png_photo


def refusal(data: bytes, rule: PhotoRule = PhotoRule.STANDARD) -> EcertError:
    with pytest.raises(EcertError) as caught:
        photo_check(data, rule=rule, name="370102198805170011.jpg")
    return caught.value


@pytest.mark.parametrize("kb", [10, 20, 30])
def test_a_standard_photo_of_10_to_30_kb_is_accepted(kb: int) -> None:
    assert photo_check(id_photo(kb=kb)).size == kb * 1024


@pytest.mark.parametrize("kb", [9.5, 30.5])
def test_a_photo_outside_10_to_30_kb_is_refused_with_its_size(kb: float) -> None:
    error = refusal(id_photo(kb=kb))
    assert error.code == "photo_file_size"
    assert f"{kb:.1f}KB" in error.zh
    assert error.field == "photo"
    assert str(error).startswith("文件 370102198805170011.jpg（照片）：")


def test_computer_and_telecom_photos_must_be_larger_than_30_kb() -> None:
    assert photo_check(id_photo(kb=31), rule=PhotoRule.OVER_30KB).size == 31 * 1024
    assert refusal(id_photo(kb=30), PhotoRule.OVER_30KB).code == "photo_too_small"


def test_a_png_is_refused_as_not_jpeg() -> None:
    assert refusal(png_photo()).code == "photo_not_jpeg"


def test_a_photo_of_other_pixel_size_is_refused_naming_both_sizes() -> None:
    error = refusal(id_photo(kb=20, size=(300, 400)))
    assert error.code == "photo_pixels"
    assert "300×400" in error.zh


def test_a_blue_background_is_refused() -> None:
    assert refusal(id_photo(kb=20, background=(60, 110, 200))).code == "photo_background"


def test_a_grey_background_is_refused() -> None:
    assert refusal(id_photo(kb=20, background=(160, 160, 160))).code == "photo_background"


def test_a_truncated_jpeg_is_refused_as_unreadable() -> None:
    data = id_photo(kb=20)
    assert refusal(data[:200] + b"\x00" * 15000).code == "photo_unreadable"


def test_certificates_from_2017_on_need_no_photo() -> None:
    assert photo_required(date(2016, 12, 31))
    assert not photo_required(date(2017, 1, 1))
