# Copyright (c) synthssl contributors.
"""PerClassIoUMetric against a hand computation."""
import math

import pytest
import torch
from mmengine.structures import PixelData

pytestmark = pytest.mark.usefixtures('mmseg_scope')


def test_per_class_iou_metric_hand_computed():
    from mmseg.structures import SegDataSample
    from synthssl.registry import METRICS
    m = METRICS.build(dict(type='PerClassIoUMetric', iou_metrics=['mIoU']))
    m.dataset_meta = dict(classes=('road', 'car', 'sky'))
    gt = torch.tensor([[0, 0, 1, 255], [0, 1, 1, 1]])
    pred = torch.tensor([[0, 1, 1, 2], [0, 0, 1, 2]])
    s = SegDataSample()
    s.gt_sem_seg = PixelData(data=gt[None])
    s.pred_sem_seg = PixelData(data=pred[None])
    m.process([], [s.to_dict()])
    res = m.compute_metrics(m.results)
    # valid pixels (gt != 255): road: gt {0,1,4}, pred {0,4,5} -> I 2, U 4; car: gt {2,5,6,7},
    # pred {1,2,6} -> I 2, U 5; sky: gt {}, pred {7} -> I 0, U 1
    assert res['IoU.road'] == 50.0 and res['IoU.car'] == 40.0 and res['IoU.sky'] == 0.0
    assert res['mIoU'] == pytest.approx((50 + 40 + 0) / 3, abs=0.01)
    assert res['aAcc'] == pytest.approx(100 * 4 / 7, abs=0.01)
    # a class in neither gt nor prediction: NaN, left out of mIoU
    m.results.clear()
    s.pred_sem_seg = PixelData(data=torch.where(pred == 2, 0, pred)[None])
    m.process([], [s.to_dict()])
    res = m.compute_metrics(m.results)
    assert math.isnan(res['IoU.sky']) and res['mIoU'] == pytest.approx(
        (res['IoU.road'] + res['IoU.car']) / 2, abs=0.01)
