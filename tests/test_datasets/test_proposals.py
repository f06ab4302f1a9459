# Copyright (c) synthssl contributors.
"""Selective search proposals: the algorithm, its recall, and the VOC proposal-file tool."""
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
from mmengine.fileio import load

from helpers import REPO, run_tool, tool_env
from voc_testdata import IMAGES, SPLITS, draw_image, gt_boxes_0based, make_tiny_voc

from synthssl.datasets.proposals import box_iou, proposal_recall, selective_search
from synthssl.datasets.proposals.selective_search import (convert_colour,
                                                            hierarchical_grouping)

TOOL = osp.join(REPO, 'tools', 'misc', 'selective_search_proposals.py')


@pytest.fixture(scope='module')
def devkit(tmp_path_factory) -> str:
    return make_tiny_voc(str(tmp_path_factory.mktemp('voc')))


def _rectangles_image():
    """RGB 160x120 with three well separated coloured rectangles on grey, and their boxes."""
    boxes = np.array([[10, 10, 49, 59], [70, 20, 129, 49], [40, 75, 149, 109]], np.float64)
    img = np.full((120, 160, 3), 120, np.uint8)
    for (x1, y1, x2, y2), c in zip(boxes.astype(int), [(220, 30, 30), (30, 200, 30),
                                                       (30, 30, 220)]):
        img[y1:y2 + 1, x1:x2 + 1] = c
    return img, boxes


def test_box_iou_and_recall_by_hand():
    a = np.array([[0, 0, 9, 9]])
    b = np.array([[0, 0, 9, 9], [5, 0, 14, 9], [20, 20, 29, 29]])
    np.testing.assert_allclose(box_iou(a, b), [[1., 50 / 150, 0.]])
    props = [np.array([[5, 0, 14, 9], [0, 0, 9, 9]])]
    gts = [np.array([[0, 0, 9, 9], [20, 20, 29, 29]])]
    assert proposal_recall(props, gts, 0.5) == 0.5
    assert proposal_recall(props, gts, 0.5, num_proposals=1) == 0.  # the first one misses
    with pytest.raises(ValueError, match='2 proposal sets for 1 images'):
        proposal_recall(props * 2, gts)


def test_selective_search_finds_separated_rectangles():
    img, gt = _rectangles_image()
    boxes, scores = selective_search(img, mode='fast', seed=0)
    assert boxes.dtype == np.float32 and scores.dtype == np.float32
    assert boxes.ndim == 2 and boxes.shape[1] == 4 and len(boxes) == len(scores) > 3
    assert np.all(np.diff(scores) <= 0) and np.all(scores > 0) and np.all(scores <= 1)
    assert np.all(boxes[:, 0] <= boxes[:, 2]) and np.all(boxes[:, 1] <= boxes[:, 3])
    assert boxes.min() >= 0 and boxes[:, 2].max() <= 159 and boxes[:, 3].max() <= 119
    assert len(np.unique(boxes, axis=0)) == len(boxes)  # duplicates removed
    # every rectangle is found exactly (flat colours: a Felzenszwalb segment each)
    assert box_iou(gt, boxes).max(1).min() == 1.
    assert proposal_recall([boxes], [gt], 0.5) == 1.
    # the whole image is one of the hypotheses (the top of every hierarchy)
    assert (boxes == np.array([0, 0, 159, 119], np.float32)).all(1).any()


def test_selective_search_options():
    img, gt = _rectangles_image()
    fast, _ = selective_search(img, mode='fast', seed=3)
    again, _ = selective_search(img, mode='fast', seed=3)
    np.testing.assert_array_equal(fast, again)  # seeded: reproducible
    other, _ = selective_search(img, mode='fast', seed=4)
    assert {tuple(b) for b in other} == {tuple(b) for b in fast}  # same set, other ranking
    single, _ = selective_search(img, mode='single')
    assert len(single) < len(fast)  # 1 strategy vs 8
    top, top_scores = selective_search(img, mode='fast', seed=3, max_boxes=5)
    np.testing.assert_array_equal(top, fast[:5])
    big, _ = selective_search(img, mode='fast', min_box_size=30)
    assert ((big[:, 2:] - big[:, :2] + 1) >= 30).all()
    # downscaled search, boxes mapped back to the original pixels
    small, _ = selective_search(img, mode='single', max_side=80)
    assert small[:, 2].max() <= 159 and small[:, 3].max() <= 119
    assert box_iou(gt, small).max(1).min() > 0.9
    with pytest.raises(ValueError, match='unknown mode'):
        selective_search(img, mode='slow')
    with pytest.raises(ValueError, match='uint8 RGB'):
        selective_search(img.astype(np.float32))
    with pytest.raises(ValueError, match='colour space'):
        selective_search(img, colour_spaces=('xyz', ))


def test_hierarchical_grouping_builds_a_full_hierarchy():
    labels = np.zeros((6, 9), np.int64)
    labels[:, 3:6] = 1
    labels[:, 6:] = 2
    labels[3:, 6:] = 3
    img = np.zeros((6, 9, 3), np.uint8)
    img[:, 3:6] = 200
    conv = convert_colour(img, 'rgb')
    cbins = np.minimum((conv * 25).astype(np.int64), 24)
    tbins = np.zeros(conv.shape[:2] + (24, ), np.int64)
    boxes = hierarchical_grouping(labels, cbins, tbins, 'CSF')
    assert len(boxes) == 2 * 4 - 1
    np.testing.assert_array_equal(boxes[:4], [[0, 0, 2, 5], [3, 0, 5, 5], [6, 0, 8, 2],
                                              [6, 3, 8, 5]])
    np.testing.assert_array_equal(boxes[-1], [0, 0, 8, 5])
    # the first merge joins the two black regions on the right (same colour, fill 1)
    np.testing.assert_array_equal(boxes[4], [6, 0, 8, 5])
    with pytest.raises(ValueError, match='letters of CTSF'):
        hierarchical_grouping(labels, cbins, tbins, 'CX')


def test_tool_writes_the_mmdet_proposal_file(devkit, tmp_path):
    """Both years, the worker pool, the exact pickle layout, and the summary."""
    for year, splits in SPLITS.items():
        for split, ids in splits.items():
            voc = osp.join(devkit, year)
            workers = '2' if (year, split) == ('VOC2007', 'trainval') else '1'
            proc = run_tool([sys.executable, TOOL, voc, split, '--workers', workers,
                             '--max-boxes', '300', '--no-progress', '--summary-json',
                             str(tmp_path / f'{year}_{split}.json')])
            summary = json.loads(proc.stdout[proc.stdout.index('{'):])
            out = osp.join(voc, 'proposals', f'selective_search_{split}.pkl')
            assert summary['out'] == out and summary['images'] == len(ids)
            assert json.loads((tmp_path / f'{year}_{split}.json').read_text()) == summary
            props = load(out)  # how mmdet's BaseDetDataset reads it
            assert list(props) == [f'JPEGImages/{i}.jpg' for i in ids]
            for img_id in ids:
                p = props[f'JPEGImages/{img_id}.jpg']
                assert set(p) == {'bboxes', 'scores'}
                assert p['bboxes'].dtype == np.float32 and p['scores'].dtype == np.float32
                assert p['bboxes'].shape == (len(p['scores']), 4) and 20 < len(p['scores']) <= 300
                assert np.all(np.diff(p['scores']) <= 0)
                # drawn objects are recovered (JPEG noise aside, near-exactly)
                assert box_iou(gt_boxes_0based(img_id), p['bboxes']).max(1).min() > 0.85
            assert summary['recall@0.5'] == 1.0 and summary['recall@0.7'] == 1.0
            assert summary['gt_boxes'] == sum(len(IMAGES[i]) for i in ids)
            assert 20 < summary['boxes_per_image_mean'] <= 300
            assert summary['seconds_per_image'] > 0


def test_tool_errors_name_the_missing_file(devkit, tmp_path):
    voc = osp.join(devkit, 'VOC2007')
    proc = subprocess.run([sys.executable, TOOL, voc, 'nosuchsplit', '--workers', '1'],
                          cwd=REPO, env=tool_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    assert osp.join(voc, 'ImageSets', 'Main', 'nosuchsplit.txt') in proc.stderr
    # a listed image without its JPEG
    with open(osp.join(voc, 'ImageSets', 'Main', 'broken.txt'), 'w') as f:
        f.write('000001\n999999\n')
    try:
        proc = subprocess.run([sys.executable, TOOL, voc, 'broken', '--workers', '1'],
                              cwd=REPO, env=tool_env(), capture_output=True, text=True,
                              timeout=300)
    finally:
        os.remove(osp.join(voc, 'ImageSets', 'Main', 'broken.txt'))
    assert proc.returncode != 0
    assert osp.join(voc, 'JPEGImages', '999999.jpg') in proc.stderr
    assert not osp.exists(osp.join(voc, 'proposals', 'selective_search_broken.pkl'))


def test_drawn_voc_images_are_what_the_xml_says():
    """The fixture itself: the object pixels carry the object colour (guards the tests)."""
    objs = IMAGES['000001']
    img = draw_image(objs, 0)
    for _, (x1, y1, x2, y2), colour in objs:
        patch = img[y1 - 1:y2, x1 - 1:x2].reshape(-1, 3).astype(float)
        assert np.abs(patch.mean(0) - colour).max() < 10
