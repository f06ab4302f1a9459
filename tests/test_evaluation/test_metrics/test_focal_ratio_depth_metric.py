# Copyright (c) synthssl contributors.
"""FocalRatioDepthMetric: predictions scaled per image by focal / train focal."""
import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.structures import PixelData

pytestmark = pytest.mark.usefixtures('mmseg_scope')


def test_focal_ratio_depth_metric_scales_per_image():
    from mmseg.structures import SegDataSample
    gt = np.array([[2.0, 4.0], [0.0, 8.0]])
    pred = np.array([[1.0, 2.0], [3.0, 5.0]])
    samples = []
    for focal in (700.0, 350.0):
        s = SegDataSample(metainfo=dict(focal_length=focal))
        s.pred_depth_map = PixelData(data=torch.tensor(pred[None], dtype=torch.float32))
        s.gt_depth_map = PixelData(data=torch.tensor(gt[None], dtype=torch.float32))
        samples.append(s)
    ev = Evaluator(dict(type='synthssl.FocalRatioDepthMetric', train_focal=350.,
                        pred_key='pred_depth_map', gt_key='gt_depth_map', max_depth=20.))
    ev.process(samples, dict(inputs=None, data_samples=samples))
    res = ev.evaluate(2)
    # image 1 x 700/350 = 2: preds 2, 4, 10 vs gt 2, 4, 8; image 2 x 1: 1, 2, 5 vs 2, 4, 8
    abs_rel = ((0 + 0 + 2 / 8) / 3 + (0.5 + 0.5 + 3 / 8) / 3) / 2
    assert res['depth/abs_rel'] == pytest.approx(abs_rel)
    bad = SegDataSample(metainfo=dict(img_path='x.png'))
    bad.pred_depth_map, bad.gt_depth_map = samples[0].pred_depth_map, samples[0].gt_depth_map
    with pytest.raises(KeyError, match="x.png has no positive 'focal_length'.*meta_keys"):
        ev.process([bad], dict(inputs=None, data_samples=[bad]))
