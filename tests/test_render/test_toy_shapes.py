# Copyright (c) synthssl contributors.
import json
import os.path as osp

import cv2
import numpy as np
import pytest

from synthssl.render.toy_shapes import CLASSES, paint_shape, render_toy_shapes


def test_same_seed_same_pixels_other_seed_other_pixels():
    a = paint_shape(2, 48, seed=3, index=7)
    assert a.shape == (48, 48, 3) and a.dtype == np.uint8
    np.testing.assert_array_equal(a, paint_shape(2, 48, seed=3, index=7))
    assert not np.array_equal(a, paint_shape(2, 48, seed=4, index=7))


def test_render_layout_balance_and_resume(tmp_path):
    out = render_toy_shapes(str(tmp_path), num_train=8, num_val=4, size=24, seed=1)
    assert len(out['train']) == 8 and len(out['val']) == 4
    for cls in CLASSES:  # every class in both splits
        assert sum(p.split('/')[1] == cls for p in out['train']) == 2
        assert sum(p.split('/')[1] == cls for p in out['val']) == 1
    first = osp.join(str(tmp_path), out['train'][0])
    img = cv2.imread(first)
    assert img.shape == (24, 24, 3)
    stamp = osp.getmtime(first)
    calls = []
    render_toy_shapes(str(tmp_path), num_train=8, num_val=4, size=24, seed=1,
                      progress=calls.append)
    assert osp.getmtime(first) == stamp  # existing images are skipped
    assert calls[-1] == 12
    meta = json.load(open(osp.join(str(tmp_path), 'meta.json')))
    assert meta['classes'] == list(CLASSES)


def test_too_few_images_is_an_error(tmp_path):
    with pytest.raises(ValueError, match='one per class'):
        render_toy_shapes(str(tmp_path), num_train=2, num_val=4)
