# Copyright (c) synthssl contributors.
"""SynthAlexNet named by ``type='synthssl.SynthAlexNet'`` inside mmpretrain and mmdet models."""
import os.path as osp
import subprocess
import sys

import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.structures import InstanceData

from helpers import REPO


def test_registry_resolves_synthssl_types_without_imports():
    """A fresh interpreter that never imported synthssl builds it from the mmdet scope."""
    code = (
        'import sys\n'
        'from mmengine.registry import DefaultScope\n'
        'from mmdet.registry import MODELS\n'
        'import mmdet.models  # noqa\n'
        "assert 'synthssl' not in sys.modules\n"
        "with DefaultScope.overwrite_default_scope('mmdet'):\n"
        "    m = MODELS.build(dict(type='synthssl.SynthAlexNet', out_indices=(4,)))\n"
        "print(type(m).__module__, m.out_channels)\n")
    out = subprocess.run([sys.executable, '-c', code], cwd='/', capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert 'synthssl.models.backbones.synth_alexnet (256,)' in out.stdout


def test_mmpretrain_image_classifier():
    from mmpretrain.registry import MODELS
    from mmpretrain.structures import DataSample
    cfg = dict(
        type='ImageClassifier',
        backbone=dict(type='synthssl.SynthAlexNet', out_indices=('fc7', )),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=3, in_channels=4096))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(cfg)
    model.init_weights()
    x = torch.randn(2, 3, 67, 67)
    samples = [DataSample().set_gt_label(i) for i in (0, 2)]
    losses = model(x, samples, mode='loss')
    assert torch.isfinite(losses['loss'])
    losses['loss'].backward()
    assert model.backbone.conv1.conv.weight.grad.abs().sum() > 0


def test_mmdet_fast_rcnn_from_an_inherited_mmdet_config():
    """`_base_ = 'mmdet::...'` inheritance (needs pkg_resources) + the backbone at stride 16."""
    cfg = Config.fromfile(osp.join(REPO, 'tests', 'data', 'configs', 'fast-rcnn_synthalexnet_tiny.py'))
    from mmdet.registry import MODELS
    from mmdet.structures import DetDataSample
    with DefaultScope.overwrite_default_scope('mmdet'):
        model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    torch.manual_seed(0)
    h = w = 131
    inputs = torch.randn(2, 3, h, w)

    def samples():
        out = []
        for i in range(2):
            g = torch.Generator().manual_seed(i)
            s = DetDataSample(metainfo=dict(img_shape=(h, w), ori_shape=(h, w),
                                            scale_factor=(1., 1.), pad_shape=(h, w),
                                            batch_input_shape=(h, w)))
            s.gt_instances = InstanceData(bboxes=torch.tensor([[10., 12., 80., 90.]]),
                                          labels=torch.tensor([3]))
            xy = torch.rand(32, 2, generator=g) * 60
            wh = 20 + torch.rand(32, 2, generator=g) * 50
            s.proposals = InstanceData(bboxes=torch.cat([xy, xy + wh], 1),
                                       scores=torch.rand(32, generator=g))
            out.append(s)
        return out  # fresh each time: the RoI head pops `bboxes` off the proposals

    losses = model.loss(inputs, samples())
    assert {'loss_cls', 'loss_bbox', 'acc'} <= set(losses)
    total = losses['loss_cls'] + losses['loss_bbox']
    assert torch.isfinite(total)
    total.backward()
    assert model.backbone.conv5.conv.weight.grad.abs().sum() > 0
    model.eval()
    with torch.no_grad():
        preds = model.predict(inputs, samples())
    assert len(preds) == 2 and preds[0].pred_instances.bboxes.shape[1] == 4
