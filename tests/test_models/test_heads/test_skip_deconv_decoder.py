# Copyright (c) synthssl contributors.
"""The VGG16 network's task head: Deconv1-4 with skips (appendix table "VGG16")."""
import pytest
import torch
from mmpretrain.structures import DataSample

from helpers import assert_finite_metrics
from synthssl.models.heads import (DeconvDecoder, MultiTaskDeconvHead,
                                   SkipDeconvDecoder)


def _vgg_feats(n=1, side=224, channels=(512, 512, 256, 128)):
    """conv5_3, conv4_3, conv3_3, conv2_2 of a side x side input."""
    return [torch.randn(n, c, side // s, side // s)
            for c, s in zip(channels, (16, 8, 4, 2))]


def _record(dec):
    seen = []
    for m in dec.modules():
        if isinstance(m, torch.nn.ConvTranspose2d):
            m.register_forward_hook(
                lambda mod, i, o: seen.append((tuple(i[0].shape[1:]), tuple(o.shape[1:]))))
    return seen


def test_concat_decoder_matches_the_table_at_224():
    dec = SkipDeconvDecoder(in_channels=512, out_channels=3).eval()
    seen = _record(dec)
    with torch.no_grad():
        out = dec(_vgg_feats())
    assert out.shape == (1, 3, 224, 224)
    # (input, output) of Deconv1-4 and Output: the table's widths 512/256/128/64 and
    # sizes 14/28/56/112/224; concatenation doubles the input of Deconv2-4.
    assert seen == [((512, 14, 14), (512, 28, 28)),
                    ((1024, 28, 28), (256, 56, 56)),
                    ((512, 56, 56), (128, 112, 112)),
                    ((256, 112, 112), (64, 224, 224)),
                    ((64, 224, 224), (3, 224, 224))]
    ks = [(m.kernel_size[0], m.stride[0]) for m in dec.modules()
          if isinstance(m, torch.nn.ConvTranspose2d)]
    assert ks == [(4, 2)] * 4 + [(3, 1)]


def test_skips_are_concatenated_after_the_upsampled_map():
    torch.manual_seed(0)
    dec = SkipDeconvDecoder(in_channels=8, out_channels=1, skip_channels=(6, 5, 4),
                            channels=(7, 6, 5, 3)).eval()
    feats = _vgg_feats(2, 32, (8, 6, 5, 4))
    inputs = []
    for block in dec.deconvs:
        block.register_forward_pre_hook(lambda mod, args: inputs.append(args[0]))
    with torch.no_grad():
        dec(feats)
    assert [tuple(t.shape) for t in inputs] == [(2, 8, 2, 2), (2, 13, 4, 4), (2, 11, 8, 8),
                                                (2, 9, 16, 16)]
    for i, skip in enumerate(feats[1:], start=1):
        torch.testing.assert_close(inputs[i][:, -skip.shape[1]:], skip)
        # the first channels are the previous block's output (after ReLU)
        assert (inputs[i][:, :-skip.shape[1]] >= 0).all()
    # every skip reaches the output
    with torch.no_grad():
        ref = dec(feats)
        for i in range(1, 4):
            other = list(feats)
            other[i] = other[i] + 1.
            assert not torch.allclose(dec(other), ref), i


def test_sum_merge_adds_the_skips():
    torch.manual_seed(0)
    dec = SkipDeconvDecoder(in_channels=8, out_channels=3, skip_channels=(6, 5, 4),
                            channels=(6, 5, 4, 2), merge='sum').eval()
    assert [b[0].in_channels for b in dec.deconvs] == [8, 6, 5, 4]
    feats = _vgg_feats(1, 32, (8, 6, 5, 4))
    inputs = []
    dec.deconvs[1].register_forward_pre_hook(lambda mod, args: inputs.append(args[0]))
    with torch.no_grad():
        up = dec.deconvs[0](feats[0])
        dec(feats)
    torch.testing.assert_close(inputs[0], up + feats[1])
    with pytest.raises(ValueError, match="merge='sum' needs equal widths"):
        SkipDeconvDecoder(skip_channels=(512, 256, 128), channels=(256, 256, 128, 64),
                          merge='sum')


def test_input_checks_and_resizing():
    with pytest.raises(ValueError, match='need 3 skips'):
        SkipDeconvDecoder(skip_channels=(512, 256), channels=(512, 256, 128, 64))
    with pytest.raises(ValueError, match='merge'):
        SkipDeconvDecoder(merge='add')
    dec = SkipDeconvDecoder(in_channels=8, out_channels=1, skip_channels=(6, 5, 4),
                            channels=(6, 5, 4, 2)).eval()
    with pytest.raises(ValueError, match='expected 4 feature maps'):
        dec(torch.randn(1, 8, 2, 2))
    with pytest.raises(ValueError, match='expected 4 feature maps'):
        dec(_vgg_feats(1, 32, (8, 6, 5, 4))[:3])
    # a 40x40 input: conv5_3 2x2, conv4_3 5x5, conv3_3 10x10, conv2_2 20x20 (VGG floors)
    feats = [torch.randn(1, 8, 2, 2), torch.randn(1, 6, 5, 5), torch.randn(1, 5, 10, 10),
             torch.randn(1, 4, 20, 20)]
    with torch.no_grad():
        assert dec(feats).shape == (1, 1, 40, 40)
        assert dec(feats, (37, 41)).shape == (1, 1, 37, 41)


def _samples(n, side):
    out = []
    for _ in range(n):
        s = DataSample()
        s.set_field(torch.nn.functional.normalize(torch.randn(3, side, side), dim=0),
                    'gt_normal')
        s.set_field(torch.rand(1, side, side) * 5 + 0.5, 'gt_depth')
        s.set_field((torch.rand(1, side, side) > 0.9).float(), 'gt_contour')
        out.append(s)
    return out


def test_multi_task_head_builds_skip_decoders_per_task():
    torch.manual_seed(0)
    head = MultiTaskDeconvHead(
        in_channels=8, decoder=dict(type='synthssl.SkipDeconvDecoder', skip_channels=(6, 5, 4),
                                    channels=(6, 5, 4, 2)),
        tasks=dict(normal={}, depth={}, contour=dict(decoder=dict(merge='sum'))))
    head.init_weights()
    assert all(isinstance(d, SkipDeconvDecoder) for d in head.decoders.values())
    assert [head.decoders[t].out_channels for t in head.tasks] == [3, 1, 1]
    assert (head.decoders['normal'].merge, head.decoders['contour'].merge) == ('concat', 'sum')
    feats = [f.requires_grad_() for f in _vgg_feats(2, 32, (8, 6, 5, 4))]
    losses = head.loss(tuple(feats), _samples(2, 32))
    assert set(losses) == {'loss_normal', 'loss_depth', 'loss_contour'}
    assert_finite_metrics(losses)
    sum(losses.values()).backward()
    assert all(f.grad.abs().sum() > 0 for f in feats)
    preds = head.predict_by_feat(tuple(feats), (32, 32))
    torch.testing.assert_close(preds['normal'].norm(dim=1), torch.ones(2, 32, 32))
    assert (preds['depth'] > 0).all() and preds['contour'].shape == (2, 1, 32, 32)
    # the AlexNet path is unchanged: DeconvDecoder on one map
    plain = MultiTaskDeconvHead(in_channels=16, decoder=dict(mid_channels=8))
    assert all(type(d) is DeconvDecoder for d in plain.decoders.values())
    assert plain(torch.randn(1, 16, 5, 5))['depth'].shape == (1, 1, 99, 99)

