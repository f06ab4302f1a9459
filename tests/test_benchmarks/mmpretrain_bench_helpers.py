# Copyright (c) synthssl contributors.
"""A pretraining checkpoint with O(1) activations, tiny VOC2007/ImageNet trees, and the
export tool imported as a module (shared by test_export_pretrained/test_mmpretrain_benchmarks)."""
import importlib.util
import os
import os.path as osp
from types import ModuleType
from typing import List

import cv2
import numpy as np
import torch
import torch.nn as nn

from helpers import REPO

EXPORT_TOOL = osp.join(REPO, 'tools', 'model_converters', 'export_pretrained.py')


def export_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location('export_pretrained', EXPORT_TOOL)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def randomize_bn_alexnet(backbone: nn.Module, seed: int = 0) -> nn.Module:
    """He-normal convs, random non-trivial BN statistics/affine: activations of order 1,
    so that equality tests compare meaningful numbers (the authors' init gives ~1e-10)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in backbone.modules():
            if isinstance(m, nn.Conv2d):
                fan_in = m.weight[0].numel()
                m.weight.copy_(torch.randn(m.weight.shape, generator=g) * (2. / fan_in)**0.5)
                m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.1)
            elif isinstance(m, nn.BatchNorm2d):
                n = m.num_features
                m.running_mean.copy_(torch.randn(n, generator=g) * 0.2)
                m.running_var.copy_(torch.rand(n, generator=g) * 1.5 + 0.5)
                m.weight.copy_(torch.rand(n, generator=g) + 0.5)
                m.bias.copy_(torch.randn(n, generator=g) * 0.2)
    return backbone


def make_pretrain_checkpoint(path: str, it: int = 7) -> str:
    """A runner-style checkpoint of configs/renlee/alexnet_3task.py's CrossDomainMultiTask."""
    from mmengine.config import Config
    from mmengine.registry import DefaultScope

    from synthssl.registry import MODELS
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'renlee', 'alexnet_3task.py'))
    with DefaultScope.overwrite_default_scope('synthssl'):
        model = MODELS.build(cfg.model)
    randomize_bn_alexnet(model.backbone)
    torch.save(dict(state_dict=model.state_dict(), meta=dict(iter=it, cfg=cfg.pretty_text),
                    message_hub={}), path)
    return path


def _jpeg(path: str, rng: np.random.Generator, h: int = 60, w: int = 80) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    assert cv2.imwrite(path, rng.integers(0, 256, (h, w, 3), dtype=np.uint8))


def make_tiny_voc(root: str) -> str:
    """``root/VOC2007`` with 4 JPEGs, their XML boxes, trainval (2) and test (2) lists."""
    voc = osp.join(root, 'VOC2007')
    rng = np.random.default_rng(0)
    objects = {
        '000001': [('dog', 0), ('person', 0)],
        '000002': [('car', 0), ('cat', 1)],
        '000003': [('person', 0), ('bird', 0)],
        '000004': [('dog', 0), ('car', 1), ('chair', 0)],
    }
    os.makedirs(osp.join(voc, 'Annotations'))
    os.makedirs(osp.join(voc, 'ImageSets', 'Main'))
    for img_id, objs in objects.items():
        _jpeg(osp.join(voc, 'JPEGImages', img_id + '.jpg'), rng)
        body = ''.join(
            f'<object><name>{n}</name><difficult>{d}</difficult><bndbox><xmin>5</xmin>'
            f'<ymin>5</ymin><xmax>40</xmax><ymax>30</ymax></bndbox></object>'
            for n, d in objs)
        with open(osp.join(voc, 'Annotations', img_id + '.xml'), 'w') as f:
            f.write(f'<annotation><filename>{img_id}.jpg</filename><size><width>80</width>'
                    f'<height>60</height><depth>3</depth></size>{body}</annotation>')
    for split, ids in (('trainval', ['000001', '000002']), ('test', ['000003', '000004'])):
        with open(osp.join(voc, 'ImageSets', 'Main', split + '.txt'), 'w') as f:
            f.write('\n'.join(ids) + '\n')
    return voc


def make_tiny_imagenet(root: str, classes: List[str] = ['n01', 'n02', 'n03']) -> str:
    """``root/{train,val}/<class>/*.jpg``: 4 train images (2, 1, 1) and one val image a class."""
    rng = np.random.default_rng(1)
    for split, counts in (('train', (2, 1, 1)), ('val', (1, 1, 1))):
        for c, k in zip(classes, counts):
            for i in range(k):
                _jpeg(osp.join(root, split, c, f'{c}_{i}.jpg'), rng)
    return root
