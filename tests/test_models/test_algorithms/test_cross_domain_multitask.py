# Copyright (c) synthssl contributors.
"""Alg. 1 of Ren & Lee: one D update, then one B+H update with D frozen."""
import copy

import pytest
import torch
from mmengine.optim import OptimWrapper

from synthssl.engine import MultiOptimWrapperConstructor
from synthssl.models import CrossDomainMultiTask
from synthssl.testing import demo_pretrain_batch

SIZE = 67  # fc7 3x3 -> decoders give 16 * 3 + 19 = 67


def build(**kw):
    torch.manual_seed(0)
    cfg = dict(backbone=dict(type='synthssl.SynthAlexNet'),
               heads=dict(type='synthssl.MultiTaskDeconvHead', decoder=dict(mid_channels=8)),
               discriminator=dict(type='synthssl.PatchDiscriminator', mid_channels=16),
               pool_size=4)
    cfg.update(kw)
    model = CrossDomainMultiTask(**cfg)
    model.init_weights()
    return model


def batch(n=2, real=True):
    return demo_pretrain_batch(n, SIZE, real=real, seed=1)


def optim(model):
    return MultiOptimWrapperConstructor(dict(
        generator=dict(type='OptimWrapper', modules=['backbone', 'heads'],
                       optimizer=dict(type='Adam', lr=1e-3, betas=(0.5, 0.999))),
        discriminator=dict(type='OptimWrapper',
                           optimizer=dict(type='SGD', lr=1e-3, momentum=0.9,
                                          weight_decay=5e-4))))(model)


def snapshot(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def changed(before, module):
    return {k for k, v in module.state_dict().items()
            if v.dtype.is_floating_point and not torch.equal(v, before[k])}


def test_alternating_updates_and_logs():
    model = build()
    wrappers = optim(model)
    assert set(wrappers.keys()) == {'generator', 'discriminator'}
    assert isinstance(wrappers['generator'].optimizer, torch.optim.Adam)
    d0, b0, h0 = snapshot(model.discriminator), snapshot(model.backbone), snapshot(model.heads)
    log = model.train_step(batch(), wrappers)
    assert {'loss_d', 'acc_d_syn', 'acc_d_real', 'loss_normal', 'loss_depth', 'loss_contour',
            'loss_adv', 'loss'} <= set(log)
    assert all(torch.isfinite(v) for v in log.values())
    assert changed(d0, model.discriminator)
    assert any(k.endswith('conv.weight') for k in changed(b0, model.backbone))
    assert changed(h0, model.heads)
    # D is trainable again after the step (frozen only during the B+H update), and the
    # B+H update left no gradient on it.
    assert all(p.requires_grad for p in model.discriminator.parameters())
    assert int(model.pool_syn.count) == 2 and int(model.pool_real.count) == 2


def test_generator_step_does_not_move_the_discriminator():
    model = build()
    wrappers = optim(model)
    # Make the D step a no-op: with lr 0 only the B+H step could move D.
    for group in wrappers['discriminator'].optimizer.param_groups:
        group['lr'] = 0.
        group['weight_decay'] = 0.
    d0 = snapshot(model.discriminator)
    model.train_step(batch(), wrappers)
    moved = {k for k in changed(d0, model.discriminator) if 'running' not in k}
    assert not moved


def test_adversarial_gradient_reaches_the_backbone():
    """The bug the authors fixed in 2019: the generator's adversarial loss must not be
    computed on detached features."""
    model = build(heads=dict(type='synthssl.MultiTaskDeconvHead', tasks=('depth', ),
                             decoder=dict(mid_channels=8)))
    wrappers = optim(model)
    model.heads.losses['depth'].loss_weight = 0.  # only the adversarial term remains
    b0 = snapshot(model.backbone)
    model.train_step(batch(), wrappers)
    assert any(k.startswith('conv5.conv') for k in changed(b0, model.backbone))
    assert not any(k.startswith('fc7.conv') for k in changed(b0, model.backbone))


def test_bi_fool_and_no_da():
    model = build(bi_fool=True)
    log = model.train_step(batch(), optim(model))
    assert torch.isfinite(log['loss_adv'])

    plain = build(discriminator=None)
    assert not hasattr(plain, 'discriminator')
    wrapper = OptimWrapper(torch.optim.Adam(plain.parameters(), lr=1e-3))
    log = plain.train_step(batch(real=False), wrapper)
    assert {'loss_normal', 'loss_depth', 'loss_contour'} <= set(log)
    with pytest.raises(TypeError, match='OptimWrapperDict'):
        build().train_step(batch(), wrapper)


def test_predict_gives_physical_maps():
    model = build().eval()
    data = model.data_preprocessor(batch(real=False), False)
    with torch.no_grad():
        out = model(data['inputs'], data['data_samples'], mode='predict')
    assert out[0].pred_normal.shape == (3, SIZE, SIZE)
    torch.testing.assert_close(out[0].pred_normal.norm(dim=0), torch.ones(SIZE, SIZE))
    assert (out[0].pred_depth > 0).all() and out[0].pred_contour.max() <= 1


def test_constructor_rejects_overlaps_and_orphans():
    model = build()
    with pytest.raises(ValueError, match='no group'):
        MultiOptimWrapperConstructor(dict(
            generator=dict(type='OptimWrapper', modules=['backbone'],
                           optimizer=dict(type='SGD', lr=1.))))(model)
    with pytest.raises(ValueError, match='already updated'):
        MultiOptimWrapperConstructor(dict(
            generator=dict(type='OptimWrapper', modules=['backbone', 'heads'],
                           optimizer=dict(type='SGD', lr=1.)),
            discriminator=dict(type='OptimWrapper', modules=['discriminator', 'heads'],
                               optimizer=dict(type='SGD', lr=1.))))(model)
    with pytest.raises(KeyError, match='no sub-module'):
        MultiOptimWrapperConstructor(dict(
            generator=dict(type='OptimWrapper', modules=['neck'],
                           optimizer=dict(type='SGD', lr=1.))))(copy.deepcopy(model))


def test_default_preprocessor_is_the_configs_and_takes_bgr():
    """Built without a data_preprocessor, the model normalises as the shipped configs do:
    the loaders' BGR uint8 -> RGB / 255 - ImageNet mean."""
    import os.path as osp

    from mmengine.config import Config
    from mmengine.registry import DefaultScope

    from helpers import REPO
    cfg = Config.fromfile(osp.join(REPO, 'configs', '_base_', 'models', 'alexnet_3task.py'))
    default = build().data_preprocessor
    with DefaultScope.overwrite_default_scope('synthssl'):
        shipped = build(data_preprocessor=cfg.model.data_preprocessor).data_preprocessor
    bgr = torch.zeros(1, 3, SIZE, SIZE, dtype=torch.uint8)
    bgr[:, 0], bgr[:, 1], bgr[:, 2] = 10, 100, 250  # B, G, R
    data = dict(syn=dict(inputs=bgr.clone(), data_samples=batch(n=1, real=False)['data_samples']),
                real=dict(inputs=bgr.clone()))
    out = default(copy.deepcopy(data), True)
    rgb_mean = torch.tensor([123.675, 116.28, 103.53])
    expected = (torch.tensor([250., 100., 10.]) - rgb_mean) / 255.
    for key in ('inputs', 'real_inputs'):
        torch.testing.assert_close(out[key][0, :, 0, 0], expected)
    ref = shipped(copy.deepcopy(data), True)
    for key in ('inputs', 'real_inputs'):
        torch.testing.assert_close(out[key], ref[key])
