# Copyright (c) synthssl contributors.
"""Linear probes on frozen conv1..conv5 features (Ren & Lee Table 2 / Zhang et al.'s protocol)
with the features computed once.

The shipped mmpretrain configs (``configs/benchmarks/mmpretrain/synthalexnet_linear-probe_*``)
train one probe per layer through the Runner, re-running the frozen backbone every epoch:
right for ImageNet on GPUs, ~50x too slow for a CPU benchmark with many checkpoints. Here the
frozen backbone runs once per image (no augmentation), the :class:`ResizeFlattenNeck`
resize + flatten is applied once, and each probe -- the neck's affine-free BatchNorm and
mmpretrain's :class:`LinearClsHead`, exactly the modules of those configs -- is trained on the
cached vectors with SGD; top-1 is mmpretrain's :class:`Accuracy`.
"""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.runner import autocast
from mmpretrain.evaluation import Accuracy
from mmpretrain.models.heads import LinearClsHead

from synthssl.models.necks import ResizeFlattenNeck

#: Zhang et al.'s grid per AlexNet layer (conv1 10x10, conv2 6x6, conv3/conv4 5x5,
#: conv5 6x6) and the layer's channels: ~9k dimensions each.
PROBE_LAYERS: Dict[str, Tuple[int, int, int]] = dict(  # name: (stage index, channels, size)
    conv1=(0, 96, 10), conv2=(1, 256, 6), conv3=(2, 384, 5), conv4=(3, 384, 5),
    conv5=(4, 256, 6))


@torch.no_grad()
def extract_probe_features(backbone: nn.Module, batches, layers: Sequence[str],
                           amp: bool = False) -> Tuple[List[torch.Tensor], torch.Tensor]:
    """Run a frozen backbone once over ``batches`` and resize + flatten the probed layers.

    Args:
        backbone (nn.Module): returns the stages ``PROBE_LAYERS[l][0]`` of ``layers`` in
            order (``out_indices``), each (N, C_l, H_l, W_l), in eval mode.
        batches (Iterable[tuple[Tensor, Tensor]]): normalised images (N, 3, H, W) and
            integer labels (N, ).
        layers (Sequence[str]): names from :data:`PROBE_LAYERS`.
        amp (bool): run the backbone under autocast (bf16 on the CPU); features are
            stored in fp32.

    Returns:
        tuple: per layer (M, C_l * size_l**2) fp32 features, and (M, ) int64 labels.
    """
    neck = ResizeFlattenNeck(in_channels=[PROBE_LAYERS[n][1] for n in layers],
                             size=[PROBE_LAYERS[n][2] for n in layers], with_bn=False)
    backbone.eval()
    feats: List[List[torch.Tensor]] = [[] for _ in layers]
    labels = []
    for imgs, y in batches:
        with autocast(enabled=amp, device_type='cpu' if imgs.device.type == 'cpu' else 'cuda'):
            outs = backbone(imgs)
        if len(outs) != len(layers):
            raise ValueError(f'extract_probe_features: the backbone returned {len(outs)} '
                             f'maps for {len(layers)} layers {list(layers)}')
        for i, f in enumerate(neck([o.float() for o in outs])):
            feats[i].append(f.cpu())
        labels.append(y.cpu())
    return [torch.cat(f) for f in feats], torch.cat(labels).long()


def fit_linear_probe(train_x: torch.Tensor, train_y: torch.Tensor, test_x: torch.Tensor,
                     test_y: torch.Tensor, num_classes: int, epochs: int = 30,
                     batch_size: int = 64, lr: float = 0.01, momentum: float = 0.9,
                     weight_decay: float = 5e-4, milestones: Optional[Sequence[int]] = None,
                     seed: int = 0) -> Dict[str, float]:
    """Train BatchNorm1d(affine=False) + linear classifier on cached features; test top-1.

    The optimiser is the linear-probe configs' (SGD lr 0.01, momentum 0.9, wd 5e-4, x0.1 at
    1/3 and 2/3 of the epochs); the head is mmpretrain's ``LinearClsHead`` with its
    cross-entropy loss and N(0, 0.01) init.

    Args:
        train_x (Tensor): (N, D) features; ``train_y`` (N, ) labels.
        test_x (Tensor): (M, D) features; ``test_y`` (M, ) labels.

    Returns:
        dict: ``top1`` (%, on the test features), ``train_top1`` (%), ``final_loss``.
    """
    if train_x.dim() != 2 or train_x.shape[1] != test_x.shape[1]:
        raise ValueError(f'fit_linear_probe: expected (N, D) train and (M, D) test features, '
                         f'got {tuple(train_x.shape)} and {tuple(test_x.shape)}')
    if not torch.isfinite(train_x).all() or not torch.isfinite(test_x).all():
        raise ValueError('fit_linear_probe: the features contain NaN or Inf')
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    bn = nn.BatchNorm1d(train_x.shape[1], affine=False)
    head = LinearClsHead(num_classes=num_classes, in_channels=train_x.shape[1],
                         loss=dict(type='mmpretrain.CrossEntropyLoss', loss_weight=1.0),
                         init_cfg=dict(type='Normal', layer='Linear', std=0.01, bias=0.))
    head.init_weights()
    opt = torch.optim.SGD(head.parameters(), lr=lr, momentum=momentum,
                          weight_decay=weight_decay)
    milestones = list(milestones) if milestones is not None else [epochs // 3,
                                                                  2 * epochs // 3]
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=milestones, gamma=0.1)
    n = train_x.shape[0]
    loss = torch.tensor(float('nan'))
    for _ in range(epochs):
        bn.train()
        order = torch.randperm(n, generator=g)
        for s in range(0, n, batch_size):
            idx = order[s:s + batch_size]
            if len(idx) < 2:  # BatchNorm needs two samples
                continue
            # what head.loss() computes, without building a DataSample per image
            loss = head.loss_module(head((bn(train_x[idx]), )), train_y[idx],
                                    avg_factor=len(idx))
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()

    @torch.no_grad()
    def top1(x: torch.Tensor, y: torch.Tensor) -> float:
        bn.eval()
        scores = torch.cat([head((bn(x[s:s + 1024]), )) for s in range(0, len(x), 1024)])
        return float(Accuracy.calculate(scores, y, topk=(1, ))[0][0])

    return dict(top1=top1(test_x, test_y), train_top1=top1(train_x, train_y),
                final_loss=float(loss.detach()))
