# Copyright (c) synthssl contributors.
"""RandomGrayscaleChannel copies one colour channel to all three."""
import numpy as np
import pytest

from synthssl.datasets.transforms import RandomGrayscaleChannel


def _img():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, size=(6, 7, 3), dtype=np.uint8)


def test_copies_one_channel():
    img = _img()
    seen = set()
    for seed in range(30):
        np.random.seed(seed)
        out = RandomGrayscaleChannel()(dict(img=img.copy()))
        c = out['gray_channel']
        assert out['img'].shape == img.shape and out['img'].dtype == np.uint8
        for k in range(3):
            np.testing.assert_array_equal(out['img'][..., k], img[..., c])
        seen.add(c)
    assert seen == {0, 1, 2}  # per-sample draws cover every channel


def test_prob_and_fixed_channel():
    img = _img()
    out = RandomGrayscaleChannel(prob=0.0)(dict(img=img.copy()))
    np.testing.assert_array_equal(out['img'], img)
    assert out['gray_channel'] == -1
    out = RandomGrayscaleChannel(channel=2)(dict(img=img.copy()))
    np.testing.assert_array_equal(out['img'][..., 0], img[..., 2])
    with pytest.raises(ValueError):
        RandomGrayscaleChannel(prob=1.5)
