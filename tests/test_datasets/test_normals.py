# Copyright (c) synthssl contributors.
"""DepthToNormal against analytic planes and spheres (known intrinsics)."""
import numpy as np
import pytest

from synthssl.datasets.transforms import DepthToNormal, depth_to_normals

H, W = 60, 80
K = np.array([[70.0, 0.0, 39.5], [0.0, 72.0, 29.5], [0.0, 0.0, 1.0]])


def _rays():
    u, v = np.meshgrid(np.arange(W), np.arange(H))
    return np.stack([(u - K[0, 2]) / K[0, 0], (v - K[1, 2]) / K[1, 1], np.ones((H, W))], -1)


def _angles(n, expect):
    return np.degrees(np.arccos(np.clip(np.sum(n * expect, -1), -1, 1)))


@pytest.mark.parametrize('n0', [(0.0, 0.0, -1.0), (0.3, -0.5, -0.8), (-0.6, 0.2, -0.5)])
def test_plane(n0):
    n0 = np.asarray(n0) / np.linalg.norm(n0)
    depth = -2.5 / (_rays() @ n0)  # plane n0 . p = -2.5, in front of the camera
    assert (depth > 0).all()
    n = depth_to_normals(depth.astype(np.float32), K)
    assert n.dtype == np.float32 and n.shape == (H, W, 3)
    np.testing.assert_allclose(np.linalg.norm(n, axis=-1), 1.0, atol=1e-5)
    assert np.median(_angles(n, n0)) < 2.0
    assert np.percentile(_angles(n, n0), 99) < 2.0


def _sphere_depth(center, radius):
    r = _rays()
    d = r / np.linalg.norm(r, axis=-1, keepdims=True)
    b = d @ center
    disc = b ** 2 - (center @ center - radius ** 2)
    hit = disc > 0
    t = np.where(hit, b - np.sqrt(np.maximum(disc, 0)), 0.0)
    pts = d * t[..., None]
    return np.where(hit, pts[..., 2], 0.0), (pts - center) / radius, hit


def test_sphere_with_invalid_background():
    center = np.array([0.2, -0.1, 3.0])
    depth, normal, hit = _sphere_depth(center, 1.0)
    n = depth_to_normals(depth, K)
    valid = np.any(n != 0, axis=-1)
    assert not valid[~hit].any()          # no normals where depth is 0
    assert valid[hit].mean() > 0.95       # only a rim may lack neighbours
    ang = _angles(n, normal)[valid]
    assert np.median(ang) < 2.0
    # Facing the camera: n . p < 0 for every valid pixel.
    pts = _rays() * depth[..., None]
    assert (np.sum(n * pts, -1)[valid] < 0).all()


def test_depth_discontinuity_not_bridged():
    """A plane floating in front of a wall: no normal mixes the two surfaces."""
    depth = np.full((H, W), 4.0)
    depth[:, W // 2:] = 2.0  # two fronto-parallel planes, a 2 m step between them
    n = depth_to_normals(depth, K)
    np.testing.assert_allclose(n[:, 1:-1], np.broadcast_to([0, 0, -1], (H, W - 2, 3)),
                               atol=1e-6)


def test_transform_keeps_file_normals_and_needs_K():
    depth = -2.5 / (_rays() @ np.array([0.0, 0.0, -1.0]))
    res = DepthToNormal()(dict(gt_depth=depth, K=K, tasks=('depth', )))
    assert res['tasks'] == ('depth', 'normal')
    assert np.allclose(res['gt_normal'][5, 5], [0, 0, -1], atol=1e-6)
    mine = np.zeros((H, W, 3), np.float32)
    res = DepthToNormal()(dict(gt_depth=depth, K=K, gt_normal=mine))
    assert res['gt_normal'] is mine
    with pytest.raises(KeyError, match='x.png.*intrinsics'):
        DepthToNormal()(dict(gt_depth=depth, img_path='x.png'))
