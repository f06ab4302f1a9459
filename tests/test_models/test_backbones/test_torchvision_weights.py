# Copyright (c) synthssl contributors.
"""torchvision ResNet checkpoints (what CSG's ``pretrained=True`` loads) go into the
mmpretrain / mmseg ResNets of the CSG configs with no conversion."""
import pytest
import torch
import torchvision
from mmengine.runner.checkpoint import load_state_dict
from mmpretrain.models import ResNet as ClsResNet
from mmseg.models.backbones import ResNet as SegResNet
from mmseg.models.backbones import ResNetV1c

# CSG's DeepLab (model/deeplab.py): OS 8, layer3 dilation 2 / layer4 dilation 4 with the
# first block of each at half the dilation; frozen BN.
DEEPLAB = dict(strides=(1, 2, 1, 1), dilations=(1, 1, 2, 4), contract_dilation=True,
               norm_eval=True)


@pytest.fixture(scope='module')
def tv_checkpoints(tmp_path_factory):
    """Randomly initialised torchvision resnet50/101 state dicts saved like the released
    ``resnet50-0676ba61.pth`` (a plain state dict)."""
    torch.manual_seed(0)
    out = {}
    for depth, ctor in ((50, torchvision.models.resnet50), (101, torchvision.models.resnet101)):
        model = ctor()
        for m in model.modules():  # non-trivial BN statistics, so loading them is checked
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
        path = str(tmp_path_factory.mktemp('tv') / f'resnet{depth}.pth')
        torch.save(model.state_dict(), path)
        out[depth] = (path, model)
    return out


def _keys_without_fc(sd):
    return {k for k in sd if not k.startswith('fc.')}


@pytest.mark.parametrize('name,build', [
    ('mmpretrain ResNet-101', lambda ckpt: ClsResNet(depth=101, init_cfg=dict(
        type='Pretrained', checkpoint=ckpt))),
    ('mmseg ResNet-101 OS8', lambda ckpt: SegResNet(depth=101, **DEEPLAB, init_cfg=dict(
        type='Pretrained', checkpoint=ckpt))),
    ('mmseg ResNet-50 OS8', lambda ckpt: SegResNet(depth=50, **DEEPLAB, init_cfg=dict(
        type='Pretrained', checkpoint=ckpt)))])
def test_torchvision_state_dict_loads_exactly(tv_checkpoints, name, build):
    depth = 50 if '50' in name else 101
    path, tv_model = tv_checkpoints[depth]
    tv_sd = torch.load(path, map_location='cpu')
    backbone = build(path)
    # same keys and shapes but torchvision's classifier (fc.weight, fc.bias)
    assert set(backbone.state_dict()) == _keys_without_fc(tv_sd)
    assert set(tv_sd) - set(backbone.state_dict()) == {'fc.weight', 'fc.bias'}
    # strict loading of everything but fc succeeds ...
    load_state_dict(backbone, {k: v for k, v in tv_sd.items() if k in
                               _keys_without_fc(tv_sd)}, strict=True)
    # ... and the configs' init_cfg=Pretrained path copies every tensor
    backbone = build(path)
    backbone.init_weights()
    sd = backbone.state_dict()
    for k in _keys_without_fc(tv_sd):
        assert torch.equal(sd[k], tv_sd[k]), k


def test_same_function_as_torchvision(tv_checkpoints):
    """Stride on the 3x3 conv (style='pytorch') like torchvision: identical layer4 output."""
    path, tv_model = tv_checkpoints[50]
    backbone = SegResNet(depth=50, init_cfg=dict(type='Pretrained', checkpoint=path))
    backbone.init_weights()
    backbone.eval()
    tv_model.eval()
    x = torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        ref = tv_model.layer4(tv_model.layer3(tv_model.layer2(tv_model.layer1(
            tv_model.maxpool(tv_model.relu(tv_model.bn1(tv_model.conv1(x))))))))
        out = backbone(x)[-1]
    torch.testing.assert_close(out, ref, rtol=1e-4, atol=1e-4)


def test_deeplab_dilations_match_csg():
    net = SegResNet(depth=50, **DEEPLAB)
    dil = [[blk.conv2.dilation[0] for blk in getattr(net, f'layer{i}')] for i in (3, 4)]
    assert dil == [[1, 2, 2, 2, 2, 2], [2, 4, 4]]  # CSG: dilation // 2 in each first block
    assert all(blk.conv2.stride == (1, 1) for i in (3, 4) for blk in getattr(net, f'layer{i}'))


def test_resnet_v1c_does_not_take_torchvision_keys():
    """mmseg's ResNetV1c has a 3-conv deep stem: torchvision's conv1/bn1 have no home."""
    keys = set(ResNetV1c(depth=50).state_dict())
    tv_keys = _keys_without_fc(torchvision.models.resnet50().state_dict())
    assert 'stem.0.weight' in keys - tv_keys and 'conv1.weight' in tv_keys - keys
    assert {k.split('.')[0] for k in tv_keys - keys} == {'conv1', 'bn1'}
