# Copyright (c) synthssl contributors.
"""FCNNormalHead + DenseNormalEstimator (NYUD normal fine-tuning model, Ren & Lee §4.5)."""
import math

import numpy as np
import pytest
import torch
from mmengine.structures import BaseDataElement

from synthssl.evaluation import NormalMetric
from synthssl.models import DenseNormalEstimator, FCNNormalHead


def vgg_model(**head) -> DenseNormalEstimator:
    torch.manual_seed(0)
    return DenseNormalEstimator(
        backbone=dict(type='SynthVGG16', out_indices=('conv3_3', 'conv4_3', 'conv5_3')),
        head=dict(type='FCNNormalHead', in_channels=(256, 512, 512), channels=32, **head))


def plane_gt(n: int, h: int, w: int) -> torch.Tensor:
    """Upper half a wall (0, 0, -1), lower half a floor (0, -1, 0); a hole without GT."""
    gt = torch.zeros(n, 3, h, w)
    gt[:, 2, :h // 2] = -1.
    gt[:, 1, h // 2:] = -1.
    gt[:, :, :2, :3] = 0.
    return gt


def test_head_fuses_every_stage_into_unit_normals():
    head = FCNNormalHead(in_channels=(8, 16, 16), channels=12)
    head.init_weights()
    feats = [torch.randn(2, 8, 16, 16, requires_grad=True),
             torch.randn(2, 16, 8, 8, requires_grad=True),
             torch.randn(2, 16, 4, 4, requires_grad=True)]
    out = head(feats, (64, 64))
    assert out.shape == (2, 3, 64, 64)
    assert torch.allclose(out.norm(dim=1), torch.ones(2, 64, 64), atol=1e-5)
    assert head(feats).shape == (2, 3, 16, 16)  # default: the finest input's size
    out[:, 0].sum().backward()
    for f in feats:  # the skip fusion reaches every stage
        assert f.grad is not None and f.grad.abs().sum() > 0
    with pytest.raises(ValueError, match='expected 3 feature maps, got 2'):
        head(feats[:2])


def test_loss_is_the_masked_negative_dot_product():
    model = vgg_model().eval()
    inputs = torch.rand(2, 3, 32, 48) * 255
    gt = plane_gt(2, 32, 48)
    samples = [BaseDataElement(gt_normal=g) for g in gt]
    batch = model.data_preprocessor(dict(inputs=list(inputs.to(torch.uint8)),
                                         data_samples=samples))
    with torch.no_grad():
        pred = model(batch['inputs'], mode='tensor')
        loss = model(batch['inputs'], batch['data_samples'], mode='loss')['loss_normal']
    assert pred.shape == (2, 3, 32, 48)
    valid = gt.abs().sum(1) > 0
    dots = (pred * gt).sum(1)
    by_hand = -torch.stack([dots[i][valid[i]].mean() for i in range(2)]).mean()
    assert loss.item() == pytest.approx(by_hand.item(), abs=1e-5)


def test_predict_feeds_normal_metric_at_ground_truth_size():
    model = vgg_model().eval()
    inputs = torch.rand(1, 3, 32, 32)
    gt = plane_gt(1, 64, 64)[0]  # ground truth at twice the input resolution
    with torch.no_grad():
        (sample, ) = model(inputs, [BaseDataElement(gt_normal=gt)], mode='predict')
    pred = sample.pred_normal
    assert pred.shape == (3, 64, 64)
    metric = NormalMetric()
    metric.process(None, [sample.to_dict()])
    m = metric.compute_metrics(metric.results)
    # the same numbers by hand: angles between the predicted and true normals, valid pixels
    p, g = pred.numpy().reshape(3, -1), gt.numpy().reshape(3, -1)
    ok = np.abs(g).sum(0) > 0
    ang = np.degrees(np.arccos(np.clip((p[:, ok] * g[:, ok]).sum(0), -1, 1)))
    assert ok.sum() == 64 * 64 - 6
    assert m['mean'] == pytest.approx(ang.mean(), abs=1e-3)
    assert m['rmse'] == pytest.approx(math.sqrt((ang**2).mean()), abs=1e-3)
    assert m['median'] == pytest.approx(np.median(ang), abs=0.02)
    for t in (11.25, 22.5, 30):
        assert m[f'within_{t:g}'] == pytest.approx((ang < t).mean() * 100)
    with torch.no_grad():  # no ground truth: prediction at the input size
        (bare, ) = model.predict(inputs)
    assert bare.pred_normal.shape == (3, 32, 32)


def test_training_steps_fit_a_tiny_batch():
    model = vgg_model()
    inputs = (torch.rand(2, 3, 32, 32) * 255).to(torch.uint8)
    gt = plane_gt(2, 32, 32)
    data = dict(inputs=list(inputs), data_samples=[BaseDataElement(gt_normal=g) for g in gt])
    from mmengine.optim import OptimWrapper
    wrapper = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-3))
    losses = [model.train_step(data, wrapper)['loss_normal'].item() for _ in range(8)]
    assert all(-1 <= x <= 1 for x in losses)
    assert losses[-1] < losses[0] - 0.2, losses
    with pytest.raises(KeyError, match="needs 'gt_normal'"):
        model(torch.rand(1, 3, 32, 32), [BaseDataElement()], mode='loss')


def test_pretrained_init_without_a_checkpoint_says_what_to_set():
    model = DenseNormalEstimator(
        backbone=dict(type='SynthVGG16', out_indices=('conv3_3', 'conv4_3', 'conv5_3'),
                      init_cfg=dict(type='Pretrained', checkpoint='', prefix='backbone.')),
        head=dict(type='FCNNormalHead', in_channels=(256, 512, 512), channels=8))
    with pytest.raises(ValueError, match='model.backbone.init_cfg.checkpoint'):
        model.init_weights()
