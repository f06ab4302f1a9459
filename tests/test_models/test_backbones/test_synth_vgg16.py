# Copyright (c) synthssl contributors.
"""SynthVGG16 against the paper's VGG16 table and torchvision's VGG16, and Alg. 1 with it."""
import pytest
import torch
from torchvision.models.vgg import cfgs, make_layers

from synthssl.engine import MultiOptimWrapperConstructor
from synthssl.models import CrossDomainMultiTask, SynthVGG16
from synthssl.testing import demo_pretrain_batch

# (name, S, C) of conv1_1 .. conv5_3 in the appendix table "VGG16" (224x224 input)
TABLE = [('conv1_1', 224, 64), ('conv1_2', 224, 64), ('conv2_1', 112, 128),
         ('conv2_2', 112, 128), ('conv3_1', 56, 256), ('conv3_2', 56, 256),
         ('conv3_3', 56, 256), ('conv4_1', 28, 512), ('conv4_2', 28, 512),
         ('conv4_3', 28, 512), ('conv5_1', 14, 512), ('conv5_2', 14, 512),
         ('conv5_3', 14, 512)]


def _conv_params():
    """3x3 convs with bias, by hand: sum of 9 * C_in * C_out + C_out."""
    total, c_in = 0, 3
    for _, _, c in TABLE:
        total += 9 * c_in * c + c
        c_in = c
    return total


def test_every_layer_matches_the_table_at_224():
    net = SynthVGG16(out_indices=tuple(range(13)), norm_cfg=None).eval()
    with torch.no_grad():
        outs = net(torch.randn(1, 3, 224, 224))
    assert [tuple(o.shape) for o in outs] == [(1, c, s, s) for _, s, c in TABLE]
    assert net.out_channels == tuple(c for _, _, c in TABLE)
    assert net.stage_names == tuple(n for n, _, _ in TABLE)


def test_parameter_count_is_vgg16s_conv_part():
    assert _conv_params() == 14714688
    plain = SynthVGG16(norm_cfg=None)
    assert sum(p.numel() for p in plain.parameters()) == 14714688
    bn = SynthVGG16()  # + BN weight and bias per channel
    assert sum(p.numel() for p in bn.parameters()) == \
        14714688 + 2 * sum(c for _, _, c in TABLE)
    assert sum(p.numel() for p in bn.parameters()) == 14723136


@pytest.mark.parametrize('batch_norm', [False, True])
def test_loads_torchvision_weights(batch_norm):
    """torchvision's ``vgg16`` / ``vgg16_bn`` features map 1:1 (same outputs)."""
    torch.manual_seed(0)
    features = make_layers(cfgs['D'], batch_norm=batch_norm).eval()
    sd = {f'features.{k}': v for k, v in features.state_dict().items()}
    sd['classifier.0.weight'] = torch.zeros(2, 2)  # fc layers are dropped
    net = SynthVGG16(norm_cfg=dict(type='BN') if batch_norm else None,
                     out_indices=('conv3_3', 'conv5_3')).eval()
    net.load_state_dict(SynthVGG16.convert_torchvision(sd))  # strict: every key matched
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        conv3_3, conv5_3 = net(x)
        # features[:k] ends with conv5_3's ReLU (vgg16: index 29, vgg16_bn: 42)
        ref5 = features[:43 if batch_norm else 30](x)
        ref3 = features[:23 if batch_norm else 16](x)
    torch.testing.assert_close(conv5_3, ref5)
    torch.testing.assert_close(conv3_3, ref3)
    prefixed = SynthVGG16.convert_torchvision(sd, prefix='backbone.')
    assert 'backbone.conv5_3.conv.weight' in prefixed
    with pytest.raises(ValueError, match='13 conv'):
        SynthVGG16.convert_torchvision({'features.0.weight': torch.zeros(64, 3, 3, 3)})


def test_out_indices_taps_and_early_stop():
    net = SynthVGG16(out_indices=('conv2_2', -1), tap=('post', 'pre')).eval()
    assert net.out_indices == (3, 12)
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        post2, pre5 = net(x)
        (pre2, ) = net(x, out_indices=('conv2_2', ), taps=('pre', ))
        (post5, ) = net(x, out_indices=(12, ))  # per-call default tap: 'post'
    assert post2.shape == (2, 128, 16, 16) and pre5.shape == (2, 512, 2, 2)
    torch.testing.assert_close(post2, torch.relu(pre2))
    torch.testing.assert_close(post5, torch.relu(pre5))
    assert (pre5 < 0).any() and (post5 >= 0).all()
    # the same stage twice with both taps
    with torch.no_grad():
        a, b = net(x, out_indices=('conv5_3', 'conv5_3'), taps=('pre', 'post'))
    torch.testing.assert_close(a, pre5)
    torch.testing.assert_close(b, post5)
    # nothing after the last requested stage runs
    called = []
    net.conv3_1.register_forward_hook(lambda *a: called.append('conv3_1'))
    net(x, out_indices=('conv2_2', ))
    assert not called
    with pytest.raises(ValueError, match='unknown stage'):
        SynthVGG16(out_indices=('conv6_1', ))
    with pytest.raises(IndexError, match='out of range'):
        SynthVGG16(out_indices=(13, ))
    with pytest.raises(ValueError, match="'pre' or 'post'"):
        SynthVGG16(tap='mid')


def test_frozen_stages_and_norm_eval():
    net = SynthVGG16(frozen_stages=3)
    net.train()
    frozen = {'conv1_1', 'conv1_2', 'conv2_1'}
    for name in net.stage_names:
        stage = getattr(net, name)
        assert all(p.requires_grad != (name in frozen) for p in stage.parameters()), name
        assert stage.bn.training != (name in frozen), name
    # one optimiser step moves only the unfrozen stages
    before = {k: v.clone() for k, v in net.state_dict().items()}
    opt = torch.optim.SGD([p for p in net.parameters() if p.requires_grad], lr=0.1)
    net(torch.randn(2, 3, 32, 32))[0].sum().backward()
    opt.step()
    after = net.state_dict()
    assert torch.equal(after['conv2_1.conv.weight'], before['conv2_1.conv.weight'])
    assert torch.equal(after['conv1_1.bn.running_mean'], before['conv1_1.bn.running_mean'])
    assert not torch.equal(after['conv2_2.conv.weight'], before['conv2_2.conv.weight'])
    assert not torch.equal(after['conv2_2.bn.running_mean'], before['conv2_2.bn.running_mean'])

    net = SynthVGG16(norm_eval=True).train()
    assert net.training and not any(m.training for m in net.modules()
                                    if isinstance(m, torch.nn.BatchNorm2d))
    with pytest.raises(ValueError, match='frozen_stages'):
        SynthVGG16(frozen_stages=14)


def test_default_init_depends_on_the_norm():
    torch.manual_seed(0)
    bn = SynthVGG16()
    bn.init_weights()
    plain = SynthVGG16(norm_cfg=None)
    plain.init_weights()
    # authors' xavier_normal(gain=0.02): 0.02 * sqrt(2 / (fan_in + fan_out)), 4608 + 4608
    std_bn = bn.conv5_3.conv.weight.std().item()
    assert std_bn == pytest.approx(0.02 * (2 / 9216) ** 0.5, rel=0.02)
    assert bn.conv5_3.bn.weight.mean().item() == pytest.approx(1., abs=0.01)
    # torchvision's Kaiming normal, fan_out, ReLU: sqrt(2 / (512 * 9))
    std_plain = plain.conv5_3.conv.weight.std().item()
    assert std_plain == pytest.approx((2 / 4608) ** 0.5, rel=0.02)
    assert plain.conv5_3.conv.bias.abs().sum() == 0


SIZE = 64  # conv5_3 4x4, the VGG discriminator's 4x4/2 D1 gives 1x1


def test_cross_domain_multitask_train_step_with_vgg16():
    torch.manual_seed(0)
    model = CrossDomainMultiTask(
        backbone=dict(type='synthssl.SynthVGG16'),
        heads=dict(type='synthssl.MultiTaskDeconvHead', in_channels=512,
                   decoder=dict(type='synthssl.SkipDeconvDecoder',
                                channels=(16, 16, 16, 8))),
        discriminator=dict(type='synthssl.PatchDiscriminator', kernel_size=4,
                           mid_channels=32),
        da_layer='conv5_3',
        head_layer=('conv5_3', 'conv4_3', 'conv3_3', 'conv2_2'))
    model.init_weights()
    assert model.backbone.out_indices == (12, 12, 9, 6, 3)
    assert model.backbone.taps == ('pre', 'post', 'post', 'post', 'post')
    assert model.discriminator.in_layer == 'conv5_3'
    wrappers = MultiOptimWrapperConstructor(dict(
        generator=dict(type='OptimWrapper', modules=['backbone', 'heads'],
                       optimizer=dict(type='Adam', lr=1e-3, betas=(0.5, 0.999))),
        discriminator=dict(type='OptimWrapper',
                           optimizer=dict(type='SGD', lr=1e-3, momentum=0.9))))(model)
    snap = {n: {k: v.clone() for k, v in getattr(model, n).state_dict().items()}
            for n in ('backbone', 'heads', 'discriminator')}
    log = model.train_step(demo_pretrain_batch(2, SIZE, seed=1), wrappers)
    assert {'loss_d', 'loss_adv', 'loss_normal', 'loss_depth', 'loss_contour'} <= set(log)
    assert all(torch.isfinite(v) for v in log.values())
    for name, before in snap.items():
        moved = {k for k, v in getattr(model, name).state_dict().items()
                 if v.dtype.is_floating_point and not torch.equal(v, before[k])}
        assert any(k.endswith('weight') for k in moved), name
        if name == 'backbone':  # every stage up to conv5_3 learns (skips reach conv2_2)
            assert {f'{s}.conv.weight' for s, _, _ in TABLE} <= moved

    model.eval()
    with torch.no_grad():
        feats = model.extract_feat(torch.randn(1, 3, SIZE, SIZE))
        assert [tuple(f.shape[1:]) for f in feats] == [(512, 4, 4), (512, 8, 8),
                                                        (256, 16, 16), (128, 32, 32)]
        preds = model.predict(torch.randn(1, 3, SIZE, SIZE))[0]
    assert preds.pred_normal.shape == (3, SIZE, SIZE)
    assert preds.pred_depth.shape == preds.pred_contour.shape == (1, SIZE, SIZE)
    torch.testing.assert_close(preds.pred_normal.norm(dim=0), torch.ones(SIZE, SIZE))


def test_vgg_discriminator_on_conv5_3_matches_the_table():
    """D1 4x4/2 -> 1024 @ 6x6, D2 1x1 -> 1024, D3 1x1 -> one logit per 6x6 patch."""
    from synthssl.models import PatchDiscriminator
    disc = PatchDiscriminator(in_layer='conv5_3', kernel_size=4, mid_channels=1024).eval()
    convs = [m for m in disc.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [(c.in_channels, c.out_channels, c.kernel_size[0], c.stride[0]) for c in convs] == \
        [(512, 1024, 4, 2), (1024, 1024, 1, 1), (1024, 1, 1, 1)]
    assert sum(isinstance(m, torch.nn.LeakyReLU) and m.negative_slope == 0.2
               for m in disc.modules()) == 2
    with torch.no_grad():
        assert disc(torch.randn(2, 512, 14, 14)).shape == (2, 1, 6, 6)
    # the other VGG16 stages get enough stride-2 D1 layers for a comparable grid
    for name, side in (('conv4_3', 28), ('conv3_3', 56), ('conv2_2', 112)):
        d = PatchDiscriminator(in_layer=name, mid_channels=8).eval()
        c = SynthVGG16.arch[SynthVGG16.stage_names.index(name)][1]
        with torch.no_grad():
            assert d(torch.randn(1, c, side, side)).shape == (1, 1, 6, 6), name
