# Copyright (c) synthssl contributors.
"""Tiny CSG models and batches for the CSG tests (random init, CPU)."""
from typing import Dict, List

import torch

TINY_CLS = dict(
    type='mmpretrain.ImageClassifier',
    data_preprocessor=dict(type='mmpretrain.ClsDataPreprocessor', num_classes=3,
                           mean=[120., 110., 100.], std=[60., 60., 60.], to_rgb=True),
    backbone=dict(type='mmpretrain.ResNet', depth=18, base_channels=8, out_indices=(2, 3)),
    neck=dict(type='mmpretrain.GlobalAveragePooling'),
    head=dict(type='mmpretrain.StackedLinearClsHead', num_classes=3, in_channels=64,
              mid_channels=[16], loss=dict(type='mmpretrain.CrossEntropyLoss')))

TINY_SEG = dict(
    type='mmseg.EncoderDecoder',
    data_preprocessor=dict(type='mmseg.SegDataPreProcessor', mean=[120., 110., 100.],
                           std=[60., 60., 60.], bgr_to_rgb=True, size=(32, 32)),
    backbone=dict(type='mmseg.ResNet', depth=18, base_channels=8, strides=(1, 2, 1, 1),
                  dilations=(1, 1, 2, 4), contract_dilation=True, out_indices=(2, 3)),
    decode_head=dict(type='mmseg.ASPPHead', in_channels=64, in_index=1, channels=8,
                     dilations=(1, 2), num_classes=3,
                     loss_decode=dict(type='mmseg.CrossEntropyLoss', avg_non_ignore=True)),
    test_cfg=dict(mode='whole'))


def build_csg(task: str = 'cls', seed: int = 0, **kwargs):
    """A randomly initialised CSG around a ResNet-18 (8 base channels) classifier/DeepLab."""
    import synthssl  # noqa: F401
    from synthssl.registry import MODELS
    torch.manual_seed(seed)
    cfg = dict(type='synthssl.CSG', model=TINY_CLS if task == 'cls' else TINY_SEG,
               queue_len=64 if task == 'cls' else 1024, chunks=1 if task == 'cls' else 4)
    cfg.update(kwargs)
    from mmengine.config import ConfigDict
    model = MODELS.build(ConfigDict(cfg))  # as from a config file (mmseg reads test_cfg.mode)
    model.init_weights()
    return model


def cls_batch(n: int = 2, size: int = 32, seed: int = 0) -> Dict:
    """``default_collate`` output of MultiView + PackInputs: ``[q, k]`` uint8 views."""
    from mmpretrain.structures import DataSample
    g = torch.Generator().manual_seed(seed)
    views = [torch.randint(0, 256, (n, 3, size, size), generator=g, dtype=torch.uint8)
             for _ in range(2)]
    samples = [DataSample().set_gt_label(i % 3) for i in range(n)]
    return dict(inputs=views, data_samples=samples)


def seg_batch(n: int = 2, size: int = 32, seed: int = 0) -> Dict:
    """``pseudo_collate`` output of AddKeyView + PackCSGSegInputs: per-sample ``[q, k]``."""
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    g = torch.Generator().manual_seed(seed)
    inputs: List = []
    samples = []
    for _ in range(n):
        q = torch.randint(0, 256, (3, size, size), generator=g, dtype=torch.uint8)
        k = (q.float() * 0.8).to(torch.uint8)
        inputs.append([q, k])
        s = SegDataSample()
        s.gt_sem_seg = PixelData(data=torch.randint(0, 3, (1, size, size), generator=g))
        s.set_metainfo(dict(img_shape=(size, size), ori_shape=(size, size)))
        samples.append(s)
    return dict(inputs=inputs, data_samples=samples)


def sgd(model, lr: float = 0.05):
    from mmengine.optim import OptimWrapper
    params = [p for p in model.parameters() if p.requires_grad]
    return OptimWrapper(torch.optim.SGD(params, lr=lr, momentum=0.9))
