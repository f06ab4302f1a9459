# Copyright (c) synthssl contributors.
import pytest
import torch
from mmpretrain.structures import DataSample

from synthssl.models.heads import DeconvDecoder, MultiTaskDeconvHead

# Deconv8-10 + output of the appendix table for fc7 13x13 (227x227 input).
SIZES = [27, 55, 113, 227]


def test_decoder_matches_the_table_at_227():
    dec = DeconvDecoder(in_channels=4096, out_channels=3).eval()
    sizes = []
    for m in dec.layers:
        if isinstance(m, torch.nn.ConvTranspose2d):
            m.register_forward_hook(lambda mod, i, o: sizes.append(tuple(o.shape[1:])))
    with torch.no_grad():
        out = dec(torch.randn(1, 4096, 13, 13))
    assert out.shape == (1, 3, 227, 227)
    assert sizes == [(64, 27, 27), (64, 55, 55), (64, 113, 113), (3, 227, 227)]
    ks = [m.kernel_size[0] for m in dec.layers if isinstance(m, torch.nn.ConvTranspose2d)]
    assert ks == [3, 3, 5, 3]


def test_decoder_resizes_only_when_asked():
    dec = DeconvDecoder(in_channels=8, out_channels=1, mid_channels=4).eval()
    x = torch.randn(2, 8, 5, 5)
    assert dec(x).shape == (2, 1, 99, 99)  # 16 * 5 + 19
    assert dec(x, (99, 99)).shape == (2, 1, 99, 99)
    assert dec(x, (64, 80)).shape == (2, 1, 64, 80)


def _samples(n, h, w, tasks):
    out = []
    for _ in range(n):
        s = DataSample()
        if 'normal' in tasks:
            s.set_field(torch.nn.functional.normalize(torch.randn(3, h, w), dim=0), 'gt_normal')
        if 'depth' in tasks:
            s.set_field(torch.rand(1, h, w) * 5 + 0.5, 'gt_depth')
        if 'contour' in tasks:
            s.set_field((torch.rand(1, h, w) > 0.9).float(), 'gt_contour')
        out.append(s)
    return out


def test_multi_task_losses_predict_and_subsets():
    torch.manual_seed(0)
    head = MultiTaskDeconvHead(in_channels=16, decoder=dict(mid_channels=8))
    head.init_weights()
    feat = torch.randn(2, 16, 5, 5, requires_grad=True)
    losses = head.loss(feat, _samples(2, 99, 99, head.tasks))
    assert set(losses) == {'loss_normal', 'loss_depth', 'loss_contour'}
    assert all(torch.isfinite(v) for v in losses.values())
    sum(losses.values()).backward()
    assert feat.grad.abs().sum() > 0
    # default loss weights: the gradient-balanced ones
    from synthssl.models.heads.multi_task_deconv_head import BALANCED_LOSS_WEIGHTS
    assert {t: head.losses[t].loss_weight for t in head.tasks} == BALANCED_LOSS_WEIGHTS
    with torch.no_grad():
        pred = head.predict_by_feat(feat, (99, 99))
    torch.testing.assert_close(pred['normal'].norm(dim=1), torch.ones(2, 99, 99))
    assert (pred['depth'] > 0).all() and ((pred['contour'] >= 0) & (pred['contour'] <= 1)).all()

    single = MultiTaskDeconvHead(tasks=('depth', ), in_channels=16)
    assert set(single.loss(feat, _samples(2, 99, 99, ('depth', )))) == {'loss_depth'}
    with pytest.raises(KeyError, match='gt_depth'):
        single.loss(feat, _samples(2, 99, 99, ('normal', )))
    with pytest.raises(ValueError, match='unknown task'):
        MultiTaskDeconvHead(tasks=('semantics', ))


def test_multi_task_head_init_reaches_every_decoder():
    # init_weights must apply each decoder's init_cfg (the authors' xavier_normal gain 0.02):
    # a torch nn.ModuleDict hid the decoders from mmengine's recursive init.
    torch.manual_seed(0)
    head = MultiTaskDeconvHead(in_channels=4096)
    head.init_weights()
    for task in head.tasks:
        w = head.decoders[task].layers[0].weight  # ConvTranspose2d(4096, 64, 3): (in, out, k, k)
        fan_in, fan_out = w.shape[1] * 9, w.shape[0] * 9  # torch's convention for ConvT
        expected = 0.02 * (2.0 / (fan_in + fan_out))**0.5
        assert abs(w.std().item() - expected) < 0.05 * expected, task


def test_multi_task_head_loss_weights():
    """``loss_weights``: a named set ('released': the authors' code's 10 / 5 / 1) or a dict
    overriding the losses' weights; the weighted loss scales with it."""
    from synthssl.models.heads.multi_task_deconv_head import (BALANCED_LOSS_WEIGHTS,
                                                              RELEASED_LOSS_WEIGHTS)
    assert RELEASED_LOSS_WEIGHTS == dict(normal=10.0, depth=5.0, contour=1.0)
    weights = lambda h: {t: h.losses[t].loss_weight for t in h.tasks}  # noqa: E731
    assert weights(MultiTaskDeconvHead(in_channels=16, loss_weights='released')) == \
        RELEASED_LOSS_WEIGHTS
    assert weights(MultiTaskDeconvHead(in_channels=16, loss_weights='balanced')) == \
        BALANCED_LOSS_WEIGHTS
    custom = MultiTaskDeconvHead(
        tasks=dict(depth={}, contour=dict(loss=dict(type='synthssl.ClassBalancedBCELoss',
                                                    variant='released', loss_weight=7.))),
        in_channels=16, loss_weights=dict(normal=3., contour=2.))
    assert weights(custom) == dict(depth=BALANCED_LOSS_WEIGHTS['depth'], contour=2.)
    assert custom.losses['contour'].variant == 'released'
    torch.manual_seed(0)
    a = MultiTaskDeconvHead(tasks=('contour', ), in_channels=16, loss_weights='released')
    b = MultiTaskDeconvHead(tasks=('contour', ), in_channels=16, loss_weights=dict(contour=4.))
    b.load_state_dict(a.state_dict())
    feat = torch.randn(2, 16, 5, 5)
    samples = _samples(2, 99, 99, ('contour', ))
    torch.testing.assert_close(b.loss(feat, samples)['loss_contour'],
                               4. * a.loss(feat, samples)['loss_contour'])
    with pytest.raises(ValueError, match='loss_weights'):
        MultiTaskDeconvHead(in_channels=16, loss_weights='paper')
    with pytest.raises(ValueError, match='unknown task'):
        MultiTaskDeconvHead(in_channels=16, loss_weights=dict(edges=1.))


def test_shipped_configs_use_the_balanced_weights():
    import os.path as osp

    from mmengine.config import Config

    from helpers import REPO
    from synthssl.models.heads.multi_task_deconv_head import (BALANCED_LOSS_WEIGHTS,
                                                              RELEASED_LOSS_WEIGHTS)
    for name in ('alexnet_3task.py', 'vgg16_3task.py', 'alexnet_3task_cpu-quickstart.py'):
        cfg = Config.fromfile(osp.join(REPO, 'configs', 'renlee', name))
        assert cfg.model.heads.loss_weights == BALANCED_LOSS_WEIGHTS, name
    assert BALANCED_LOSS_WEIGHTS['contour'] / BALANCED_LOSS_WEIGHTS['depth'] == 10.
    # the documented switch to the released code's weights
    cfg.merge_from_dict({'model.heads.loss_weights': 'released'})
    heads = dict(cfg.model.heads, type=MultiTaskDeconvHead, in_channels=16)
    heads.pop('decoder', None)
    head = MultiTaskDeconvHead(**{k: v for k, v in heads.items() if k != 'type'})
    assert {t: head.losses[t].loss_weight for t in head.tasks} == RELEASED_LOSS_WEIGHTS
