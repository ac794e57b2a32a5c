"""The image contract (helpers.image): conversions, batches, tensors, and the refusals that
replace silent wrong answers (issue: int64 255 left at 255.0, float 200 turned into 199.5)."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import image


def test_uint8_scales_to_unit_float():
    out = image.as_float_image(np.array([[0, 51, 255]], np.uint8))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[0, 0.2, 1]], atol=1e-7)


def test_bool_and_unit_float_pass_through():
    assert image.as_float_image(np.array([[True, False]])).tolist() == [[1.0, 0.0]]
    x = np.random.default_rng(0).random((4, 4, 3)).astype(np.float32)
    assert image.as_float_image(x) is x


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint16, np.int8])
def test_other_integer_images_are_refused_with_a_fix(dtype):
    with pytest.raises(TypeError, match=r"image must be uint8.*astype\(np.uint8\)"):
        image.as_float_image(np.full((2, 2), 100, dtype))


def test_integer_beyond_255_suggests_scaling():
    with pytest.raises(TypeError, match=r"values run to 4095"):
        image.as_float_image(np.full((2, 2), 4095, np.uint16))


def test_float_outside_unit_range_is_refused():
    with pytest.raises(ValueError, match=r"image is float with values in \[0, 200\]"):
        image.as_float_image(np.array([[0.0, 200.0]]))


def test_uint8_round_trip_is_exact(rng):
    x = rng.integers(0, 256, (5, 6, 3), dtype=np.uint8)
    np.testing.assert_array_equal(image.as_uint8_image(image.as_float_image(x)), x)
    assert image.as_uint8_image(x) is x


def test_to_batch_gray_and_colour_layouts(rng):
    gray = rng.integers(0, 256, (3, 4, 5), dtype=np.uint8)
    b = image.to_batch(gray)
    assert b.shape == (3, 1, 4, 5) and b.dtype == np.float32 and b.flags.c_contiguous
    np.testing.assert_allclose(b[:, 0], gray / 255, atol=1e-7)
    rgb = rng.random((2, 4, 5, 3))
    b = image.to_batch(rgb)
    assert b.shape == (2, 3, 4, 5)
    np.testing.assert_allclose(b[1, 2], rgb[1, :, :, 2], atol=1e-7)
    np.testing.assert_allclose(image.from_batch(b), rgb, atol=1e-7)
    np.testing.assert_allclose(image.from_batch(image.to_batch(gray)), gray / 255, atol=1e-7)


def test_to_batch_refuses_the_reproducers():
    # int64 images of 255s used to stay at 255.0; float 0-255 data went through unscaled.
    with pytest.raises(TypeError, match="images must be uint8"):
        image.to_batch(np.full((1, 2, 2), 255, np.int64))
    with pytest.raises(ValueError, match=r"float images must lie in \[0, 1\]"):
        image.to_batch(np.full((1, 2, 2, 3), 200.0))
    with pytest.raises(ValueError, match=r"images must be 3-D or 4-D.*image\[None\]"):
        image.to_batch(np.zeros((4, 4), np.uint8))


def test_to_tensor_matches_to_batch_and_checks_tensors(rng):
    torch = pytest.importorskip("torch")
    x = rng.integers(0, 256, (2, 6, 7, 3), dtype=np.uint8)
    t = image.to_tensor(x)
    assert t.dtype == torch.float32 and tuple(t.shape) == (2, 3, 6, 7)
    np.testing.assert_array_equal(t.numpy(), image.to_batch(x))
    # torchvision's to_tensor is the production reference for one HWC uint8 image.
    tv = pytest.importorskip("torchvision.transforms.functional")
    np.testing.assert_allclose(t[0].numpy(), tv.to_tensor(x[0]).numpy(), atol=1e-7)
    assert image.to_tensor(t) is t
    with pytest.raises(ValueError, match="images as a tensor must be a float"):
        image.to_tensor(torch.zeros(2, 3, dtype=torch.int64))
    with pytest.raises(TypeError, match="images must be a numpy stack"):
        image.to_tensor("cat.png")


@pytest.mark.parametrize("convert", [image.as_float_image, image.as_uint8_image, image.to_batch,
                                     image.from_batch, image.to_tensor])
def test_name_must_be_a_string(convert):
    with pytest.raises(TypeError, match="name must be a str; got int 3"):
        convert(np.zeros((1, 1, 2, 2), np.float32), 3)
