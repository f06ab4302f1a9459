# Copyright (c) synthssl contributors.
"""ATDTDecoderHead: output at input resolution, the authors' layout, depth in metres and
its masked L1 loss."""
import pytest
import torch
from mmengine.structures import PixelData

from atdt_helpers import depth_net, semantic_net
from synthssl.registry import MODELS

pytestmark = pytest.mark.usefixtures('mmseg_scope')


@pytest.mark.parametrize('hw', [(64, 64), (48, 80)])
def test_decoder_output_has_input_resolution(hw):
    head = MODELS.build(dict(type='ATDTDecoderHead', in_channels=32, channels=(8, 8, 8),
                             num_classes=5))
    net = MODELS.build(semantic_net())
    x = torch.rand(2, 3, *hw)
    feat = net.backbone(x)
    assert feat[0].shape[-2:] == (hw[0] // 16, hw[1] // 16)  # output stride 16
    assert head(feat).shape == (2, 5, *hw)
    # authors' layout: 4 nearest x2 upconvs, ELU, BN except the last two upconvs
    assert isinstance(head.up1.conv.activate, torch.nn.ELU)
    assert head.up1.conv.with_norm and head.conv3.with_norm
    assert not head.up3.conv.with_norm and not head.up4.conv.with_norm
    assert head.conv_seg.kernel_size == (3, 3)


def test_depth_head_loss_and_metres():
    net = MODELS.build(depth_net(max_depth=10.))
    head = net.decode_head
    logits = torch.tensor([[-0.5, 0.25], [0.5, 2.0]]).view(1, 1, 2, 2)
    depth = head.predict_by_feat(logits, [dict(img_shape=(2, 2), pad_shape=(2, 2))])
    # depth/max_depth * 10, clamped to [1e-3, 10]
    assert depth.flatten().tolist() == pytest.approx([1e-3, 2.5, 5.0, 10.0])
    from mmseg.structures import SegDataSample
    s = SegDataSample()
    s.gt_depth_map = PixelData(data=torch.tensor([[[1.0, 0.0], [5.0, 20.0]]]))
    losses = head.loss_by_feat(logits, [s])
    # valid: 1 m (|-0.5 - 0.1|), 5 m (|0.5 - 0.5|)
    assert losses['loss_depth'].item() == pytest.approx(0.6 / 2, abs=1e-6)
    with pytest.raises(ValueError, match='max_depth'):
        MODELS.build(dict(type='ATDTDecoderHead', in_channels=8, task='depth', num_classes=1,
                          max_depth=10., loss_decode=dict(type='MaskedL1DepthLoss',
                                                          max_depth=100.)))
