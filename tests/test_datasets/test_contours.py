# Copyright (c) synthssl contributors.
"""Canny contours from instance maps lie on the instance boundaries."""
import numpy as np
import pytest
from datasets_testdata import two_rect_ids

from synthssl.datasets import SyntheticMultiTaskDataset
from synthssl.datasets.transforms import (InstanceToContour, instance_boundaries,
                                          instance_contours)


def _boundary_pairs(ids):
    """Boolean maps of pixels with a differing right / lower neighbour."""
    right = np.zeros(ids.shape, bool)
    down = np.zeros(ids.shape, bool)
    right[:, :-1] = ids[:, 1:] != ids[:, :-1]
    down[:-1] = ids[1:] != ids[:-1]
    return right, down


def _recall(ids, edges):
    """Fraction of id changes (neighbour pairs) with an edge pixel on one side."""
    right, down = _boundary_pairs(ids)
    e = edges > 0
    ys, xs = np.nonzero(right)
    hits = list(e[ys, xs] | e[ys, xs + 1])
    ys, xs = np.nonzero(down)
    hits += list(e[ys, xs] | e[ys + 1, xs])
    return float(np.mean(hits))


def _check_on_boundary(ids, edges, min_recall=1.0):
    right, down = _boundary_pairs(ids)
    near = right | down
    near[:, 1:] |= right[:, :-1]
    near[1:] |= down[:-1]
    # every edge pixel touches an id change (4-neighbourhood) ...
    assert edges[edges > 0].size > 0 and near[edges > 0].all()
    # ... and every id change has an edge pixel on one side of it.
    assert _recall(ids, edges) >= min_recall


def test_two_rectangles():
    ids = two_rect_ids().astype(np.int64)
    edges = instance_contours(ids)
    assert edges.dtype == np.float32 and set(np.unique(edges)) == {0.0, 1.0}
    _check_on_boundary(ids, edges)
    # A thin line: far fewer edge pixels than rectangle pixels.
    assert edges.sum() < 0.5 * (ids > 0).sum()


def test_many_ids_beyond_8_bit():
    rng = np.random.default_rng(0)
    # 600 ids in 3x3 blocks: a junction every 3 pixels, Canny's worst case.
    ids = np.kron(rng.permutation(600).reshape(20, 30), np.ones((3, 3), np.int64)) + 1000
    # Canny: no false edges; its non-maximum suppression leaves gaps next to X-junctions.
    _check_on_boundary(ids, instance_contours(ids), min_recall=0.85)
    _check_on_boundary(ids, instance_boundaries(ids), min_recall=1.0)
    out = InstanceToContour(method='boundary')(dict(gt_instance=ids))
    np.testing.assert_array_equal(out['gt_contour'], instance_boundaries(ids))
    # ids 256 apart (same low byte) are still separated
    ids2 = np.full((10, 10), 5, np.int64)
    ids2[:, 5:] = 5 + 256
    _check_on_boundary(ids2, instance_contours(ids2))


def test_constant_map_has_no_contour():
    assert instance_contours(np.full((8, 9), 4)).sum() == 0


def test_min_edge_pixels_rejects_and_dataset_redraws(syn_root):
    ids = two_rect_ids().astype(np.int64)
    n_edges = int(instance_contours(ids).sum())
    t = InstanceToContour(min_edge_pixels=n_edges + 1)
    assert t(dict(gt_instance=ids)) is None
    assert InstanceToContour(min_edge_pixels=n_edges)(dict(gt_instance=ids)) is not None
    # In training mode mmengine re-draws another index when the pipeline returns None; with
    # every sample rejected it gives up after max_refetch tries.
    pipeline = [dict(type='synthssl.LoadMultiTaskAnnotations'),
                dict(type='synthssl.InstanceToContour', min_edge_pixels=10 ** 6)]
    ds = SyntheticMultiTaskDataset(syn_root['root'], pipeline=pipeline, max_refetch=3)
    with pytest.raises(Exception, match='Cannot find valid image after 3'):
        ds[0]
    with pytest.raises(KeyError, match='a.png'):
        InstanceToContour()(dict(img_path='a.png'))
