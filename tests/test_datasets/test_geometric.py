# Copyright (c) synthssl contributors.
"""Paired geometric transforms keep the image, every dense target and K aligned."""
import numpy as np
import pytest
from datasets_testdata import H, K_SYN, W, plane_depth, position_rgb

from synthssl.datasets.transforms import (MultiTaskCenterCrop, MultiTaskRandomCrop,
                                          MultiTaskRandomFlip, MultiTaskResize)

N_LEFT = np.array([0.6, 0.0, -0.8])
N_RIGHT = np.array([0.0, -0.6, -0.8])


def _sample():
    yy, xx = np.mgrid[:H, :W]
    normal = np.where((xx < W // 2)[..., None], N_LEFT, N_RIGHT).astype(np.float32)
    return dict(img=position_rgb(0), img_path='pos.png', K=K_SYN.copy(),
                gt_depth=plane_depth(K_SYN).astype(np.float32),
                gt_normal=normal,
                gt_instance=(yy * 100 + xx).astype(np.int64),
                gt_semantic=(xx >= 10).astype(np.int64) + 2 * (yy >= 12),
                gt_contour=((xx == 7) | (yy == 5)).astype(np.float32),
                img_shape=(H, W), ori_shape=(H, W), flip=False)


def _check_alignment(out, src, col_tol):
    ids = out['gt_instance']
    x0, y0 = ids % 100, ids // 100
    h, w = ids.shape
    # Nearest neighbour only: every target value is a value of the source, at that pixel.
    assert np.isin(ids, src['gt_instance']).all()
    np.testing.assert_array_equal(out['gt_depth'], src['gt_depth'][y0, x0])
    np.testing.assert_array_equal(out['gt_semantic'], src['gt_semantic'][y0, x0])
    np.testing.assert_array_equal(out['gt_contour'], src['gt_contour'][y0, x0])
    sign = np.array([-1, 1, 1]) if out['flip'] else np.ones(3)
    np.testing.assert_array_equal(out['gt_normal'], src['gt_normal'][y0, x0] * sign)
    # The (interpolated) image shows the same source position as the targets.
    img = out['img'].astype(np.float64)
    assert np.abs(img[..., 0] / 8 - x0).max() <= 1.0
    assert np.abs(img[..., 1] / 10 - y0).max() <= 1.0
    # K: the 3-D point seen at the source pixel projects (mirrored if flipped) to this pixel.
    Ks, K = src['K'], out['K']
    z = src['gt_depth'][y0, x0].astype(np.float64)
    px = (x0 - Ks[0, 2]) / Ks[0, 0] * z * sign[0]
    py = (y0 - Ks[1, 2]) / Ks[1, 1] * z
    u = K[0, 0] * px / z + K[0, 2]
    v = K[1, 1] * py / z + K[1, 2]
    cols, rows = np.meshgrid(np.arange(w), np.arange(h))
    assert np.abs(u - cols).max() <= col_tol
    assert np.abs(v - rows).max() <= col_tol


@pytest.mark.parametrize('seed', [0, 1, 2, 3])
def test_resize_crop_flip_aligned(seed):
    np.random.seed(seed)
    src = _sample()
    out = dict(src, **{k: np.copy(v) for k, v in src.items() if isinstance(v, np.ndarray)})
    for t in (MultiTaskResize(scale=(48, 36)), MultiTaskRandomCrop((20, 28)),
              MultiTaskRandomFlip(prob=0.5)):
        out = t(out)
    assert out['img'].shape == (20, 28, 3) and out['img_shape'] == (20, 28)
    assert out['gt_normal'].shape == (20, 28, 3)
    # upsampling by 1.5: the nearest source pixel is at most 0.5 source px = 0.75 px away
    _check_alignment(out, src, col_tol=0.76)
    x0 = out['gt_instance'] % 100
    if out['flip']:
        assert (np.diff(x0, axis=1) <= 0).all() and out['flip_direction'] == 'horizontal'
    else:
        assert (np.diff(x0, axis=1) >= 0).all()


def test_flip_negates_normal_x_and_mirrors_cx():
    src = _sample()
    out = MultiTaskRandomFlip(prob=1.0)(dict(src))
    assert out['flip']
    np.testing.assert_array_equal(out['gt_normal'][..., 0], -src['gt_normal'][:, ::-1, 0])
    np.testing.assert_array_equal(out['gt_normal'][..., 1:], src['gt_normal'][:, ::-1, 1:])
    np.testing.assert_array_equal(out['img'], src['img'][:, ::-1])
    assert out['K'][0, 2] == pytest.approx(W - 1 - K_SYN[0, 2])
    _check_alignment(out, src, col_tol=1e-6)
    back = MultiTaskRandomFlip(prob=1.0)(dict(out))
    np.testing.assert_array_equal(back['gt_normal'], src['gt_normal'])
    np.testing.assert_allclose(back['K'], K_SYN)


def test_downsample_area_and_center_crop():
    src = _sample()
    out = MultiTaskResize(scale=(16, 12), interpolation='area')(dict(src))
    assert out['img'].shape == (12, 16, 3) and out['scale_factor'] == (0.5, 0.5)
    # ids and normals are picked, never averaged (area-averaged ids would not be in the set)
    assert set(np.unique(out['gt_instance'])) <= set(np.unique(src['gt_instance']))
    assert {tuple(n) for n in out['gt_normal'].reshape(-1, 3)} <= \
        {tuple(N_LEFT.astype(np.float32)), tuple(N_RIGHT.astype(np.float32))}
    _check_alignment(out, src, col_tol=0.51)
    out = MultiTaskCenterCrop((8, 10))(out)
    assert out['crop_bbox'] == (3, 2, 13, 10)
    _check_alignment(out, src, col_tol=0.51)


def test_keep_ratio_and_too_small_crop():
    out = MultiTaskResize(scale=(64, 64), keep_ratio=True)(_sample())
    assert out['img'].shape[:2] == (48, 64)
    out = MultiTaskResize(short_edge=12)(_sample())
    assert out['img'].shape[:2] == (12, 16) and out['gt_depth'].shape == (12, 16)
    with pytest.raises(ValueError, match='pos.png'):
        MultiTaskRandomCrop(30)(_sample())


def test_resize_intrinsics_pixel_centre_convention():
    """A 3-D point at continuous source pixel u lands at (u + 0.5) * s - 0.5 after resizing."""
    src = _sample()
    out = MultiTaskResize(scale=(16, 36))(dict(src))  # sx = 0.5, sy = 1.5
    P = np.array([0.3, -0.2, 2.0])
    u0, v0 = (K_SYN @ P)[:2] / P[2]
    u1, v1 = (out['K'] @ P)[:2] / P[2]
    assert u1 == pytest.approx((u0 + 0.5) * 0.5 - 0.5)
    assert v1 == pytest.approx((v0 + 0.5) * 1.5 - 0.5)
    out = MultiTaskRandomCrop((10, 12))(out)
    x0, y0 = out['crop_bbox'][:2]
    u2, v2 = (out['K'] @ P)[:2] / P[2]
    assert (u2, v2) == pytest.approx((u1 - x0, v1 - y0))
