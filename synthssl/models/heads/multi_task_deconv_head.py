# Copyright (c) synthssl contributors.
"""The task heads H of Ren & Lee: independent decoders for normal, depth and contour."""
import copy
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule, ModuleDict

from synthssl.registry import MODELS
from synthssl.structures import TASK_KEYS, add_dense_predictions, prediction_size

#: λ_s, λ_d, λ_e of the authors' released code (configs/alexnet.yaml of
#: jason718/game-feature-learning), tuned for its per-image-weighted edge BCE
#: (``ClassBalancedBCELoss(variant='released')``). The paper gives no values.
RELEASED_LOSS_WEIGHTS = dict(normal=10.0, depth=5.0, contour=1.0)
#: λ_s, λ_d, λ_e that give the three tasks similar gradient magnitudes at fc7 with the
#: paper's losses (HED-form edge BCE), as Ren & Lee choose them; measured by
#: tools/benchmarks/task_gradient_balance.py (docs/renlee.md, "Loss weights").
BALANCED_LOSS_WEIGHTS = dict(normal=10.0, depth=5.0, contour=50.0)
#: named weight sets for ``MultiTaskDeconvHead(loss_weights=...)``
LOSS_WEIGHT_SETS = dict(balanced=BALANCED_LOSS_WEIGHTS, released=RELEASED_LOSS_WEIGHTS)

#: task -> (ground-truth field of the data sample, output channels, default loss)
TASKS = {
    'normal': (TASK_KEYS['normal'], 3,
               dict(type='synthssl.NormalDotLoss',
                    loss_weight=BALANCED_LOSS_WEIGHTS['normal'])),
    'depth': (TASK_KEYS['depth'], 1,
              dict(type='synthssl.ScaleInvariantDepthLoss',
                   loss_weight=BALANCED_LOSS_WEIGHTS['depth'])),
    'contour': (TASK_KEYS['contour'], 1,
                dict(type='synthssl.ClassBalancedBCELoss',
                     loss_weight=BALANCED_LOSS_WEIGHTS['contour'])),
}


#: the heads' input: one map (fc7 for the AlexNet decoder) or several (the deepest first,
#: then the skips, for :class:`SkipDeconvDecoder`)
Feats = Union[torch.Tensor, Sequence[torch.Tensor]]


@MODELS.register_module()
class MultiTaskDeconvHead(BaseModule):
    """Independent decoder heads, one per pretext task, with their losses.

    Each task gets its own :class:`DeconvDecoder` (the AlexNet network, input fc7) or the
    decoder type given in ``decoder`` (e.g. ``dict(type='synthssl.SkipDeconvDecoder')``
    for the VGG16 network, input a tuple conv5_3, conv4_3, conv3_3, conv2_2). Nothing is
    shared between the heads (as in the paper and the authors' code). Outputs: ``normal``
    raw 3-vectors (normalised in the loss / at prediction), ``depth`` log depth in
    log-metres, ``contour`` logits. The default loss weights are
    :data:`BALANCED_LOSS_WEIGHTS` (similar task gradients at fc7 with the paper's losses,
    as Ren & Lee choose theirs); ``loss_weights='released'`` gives the authors' released
    code's 10 / 5 / 1 (the paper states no values).

    Args:
        tasks (Sequence[str] | dict): the tasks, any subset of ``('normal', 'depth',
            'contour')`` (single-task ablations), or a dict task -> overrides with keys
            ``decoder`` (DeconvDecoder kwargs) and ``loss`` (a loss config).
        in_channels (int): channels of the (deepest) input map (fc7: 4096, conv5_3: 512).
        decoder (dict): decoder kwargs shared by all tasks, optionally with a ``type``
            (defaults to ``'synthssl.DeconvDecoder'``).
        loss_weights (dict | str, optional): task -> λ, overriding the ``loss_weight`` of
            the tasks' losses (entries of tasks not configured are ignored), or a named set:
            ``'balanced'`` (:data:`BALANCED_LOSS_WEIGHTS`) or ``'released'``
            (:data:`RELEASED_LOSS_WEIGHTS`). None: each loss config's own weight.
        init_cfg (dict, optional): passed to BaseModule.
    """

    def __init__(self,
                 tasks=('normal', 'depth', 'contour'),
                 in_channels: int = 4096,
                 decoder: Optional[Dict] = None,
                 loss_weights: Optional[Union[Dict[str, float], str]] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if isinstance(loss_weights, str):
            if loss_weights not in LOSS_WEIGHT_SETS:
                raise ValueError(f'MultiTaskDeconvHead: loss_weights {loss_weights!r} is not '
                                 f'one of {sorted(LOSS_WEIGHT_SETS)}')
            loss_weights = LOSS_WEIGHT_SETS[loss_weights]
        unknown_w = set(loss_weights or {}) - set(TASKS)
        if unknown_w:
            raise ValueError(f'MultiTaskDeconvHead: loss_weights for unknown task(s) '
                             f'{sorted(unknown_w)}')
        if not isinstance(tasks, dict):
            tasks = {t: {} for t in tasks}
        if not tasks:
            raise ValueError('MultiTaskDeconvHead: at least one task is needed')
        unknown = set(tasks) - set(TASKS)
        if unknown:
            raise ValueError(f'MultiTaskDeconvHead: unknown task(s) {sorted(unknown)}; '
                             f'expected a subset of {tuple(TASKS)}')
        self.tasks = tuple(tasks)
        # mmengine's ModuleDict: init_weights() must reach the decoders' init_cfg (a torch
        # nn.ModuleDict has no init_weights, so BaseModule.init_weights skipped them).
        self.decoders = ModuleDict()
        self.losses = nn.ModuleDict()
        for task, over in tasks.items():
            _, channels, loss_cfg = TASKS[task]
            dec_cfg = dict(type='synthssl.DeconvDecoder', in_channels=in_channels,
                           out_channels=channels)
            dec_cfg.update(decoder or {})
            dec_cfg.update((over or {}).get('decoder', {}))
            self.decoders[task] = MODELS.build(dec_cfg)
            loss_cfg = copy.deepcopy((over or {}).get('loss', loss_cfg))
            if loss_weights and task in loss_weights:
                loss_cfg['loss_weight'] = float(loss_weights[task])
            self.losses[task] = MODELS.build(loss_cfg)

    def forward(self, feat: Feats,
                out_size: Optional[Sequence[int]] = None) -> Dict[str, torch.Tensor]:
        """
        Args:
            feat (Tensor | Sequence[Tensor]): (N, C, h, w) fc7 features, or the maps a
                skip decoder takes (deepest first).
            out_size (Sequence[int], optional): (H, W) of the targets.

        Returns:
            dict[str, Tensor]: raw outputs, ``normal`` (N, 3, H, W), ``depth`` and
            ``contour`` (N, 1, H, W).
        """
        return {t: self.decoders[t](feat, out_size) for t in self.tasks}

    @staticmethod
    def stack_targets(data_samples: List, field: str) -> torch.Tensor:
        """Stack one dense ground-truth field of the data samples into (N, C, H, W)."""
        missing = [i for i, s in enumerate(data_samples) if field not in s]
        if missing:
            raise KeyError(f'data sample(s) {missing} have no {field!r}: the dataset pipeline '
                           'must produce the targets of every configured task')
        return torch.stack([torch.as_tensor(s.get(field)) for s in data_samples])

    def loss(self, feat: Feats, data_samples: List) -> Dict[str, torch.Tensor]:
        """Task losses (already weighted), ``loss_<task>`` each.

        Args:
            feat (Tensor | Sequence[Tensor]): as for :meth:`forward`.
            data_samples (list): N data samples carrying ``gt_normal`` (3, H, W),
                ``gt_depth`` (1, H, W) metres, ``gt_contour`` (1, H, W) as needed.
        """
        device = feat.device if isinstance(feat, torch.Tensor) else feat[0].device
        targets = self.targets(data_samples, device)
        return self.loss_by_preds(self(feat, next(iter(targets.values())).shape[-2:]), targets)

    def targets(self, data_samples: List, device=None) -> Dict[str, torch.Tensor]:
        """The ground truth of every task, stacked: task -> (N, C, H, W)."""
        return {t: self.stack_targets(data_samples, TASKS[t][0]).to(device)
                for t in self.tasks}

    def loss_by_preds(self, preds: Dict[str, torch.Tensor],
                      targets: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        """Losses from raw outputs (:meth:`forward`) and :meth:`targets`. Under DDP the
        forward must go through the wrapper (it triggers the gradient all-reduce) and only
        this step through the unwrapped module."""
        # in float32 also under bfloat16 autocast (log depth, normal normalisation)
        return {f'loss_{t}': self.losses[t](preds[t].float(), targets[t]) for t in self.tasks}

    def predict(self, feat: Feats, data_samples: List,
                out_size: Optional[Sequence[int]] = None) -> List:
        """The data samples with ``pred_<task>`` fields (see :meth:`predict_by_feat`), at
        ``out_size`` (default: the samples' ground-truth size, else their ``img_shape``)."""
        size = out_size if out_size is not None else prediction_size(data_samples, self.tasks)
        return add_dense_predictions(data_samples, self.predict_by_feat(feat, size))

    def predict_by_feat(self, feat: Feats,
                        out_size: Optional[Sequence[int]] = None) -> Dict[str, torch.Tensor]:
        """Predictions in physical units: unit ``normal`` (N, 3, H, W), ``depth`` in metres
        (N, 1, H, W), ``contour`` probability (N, 1, H, W)."""
        raw = self(feat, out_size)
        out = {}
        if 'normal' in raw:
            # scale-free: an untrained head in eval mode (the authors' xavier gain
            # 0.02, fresh BN statistics) outputs vectors far shorter than 1e-6; an exactly
            # zero vector (all-zero ReLU inputs, zero bias) faces the camera: (0, 0, -1)
            normal = raw['normal'].float()
            zero = (normal == 0).all(dim=1, keepdim=True)
            facing = normal.new_tensor([0., 0., -1.]).view(1, 3, 1, 1)
            normal = torch.where(zero, facing, normal)
            # divide by the largest component first: squares of tiny vectors underflow
            scale = normal.abs().amax(dim=1, keepdim=True)
            out['normal'] = F.normalize(normal / scale, dim=1)
        if 'depth' in raw:
            out['depth'] = torch.exp(raw['depth'].float().clamp(max=10.))
        if 'contour' in raw:
            out['contour'] = torch.sigmoid(raw['contour'].float())
        return out
