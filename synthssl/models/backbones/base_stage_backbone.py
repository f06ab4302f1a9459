# Copyright (c) synthssl contributors.
"""A plain feed-forward backbone made of named stages, each optionally followed by a pool."""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmengine.model import BaseModule
from torch.nn.modules.batchnorm import _BatchNorm

#: the authors' initialisation (Ren & Lee's code): xavier_normal_(gain=0.02) for convs,
#: BN weights ~ N(1, 0.02)
AUTHORS_INIT = [
    dict(type='Xavier', layer='Conv2d', distribution='normal', gain=0.02, bias=0.),
    dict(type='Normal', layer=['_BatchNorm'], mean=1., std=0.02, bias=0.),
]


class StageBackbone(BaseModule):
    """Base of the AlexNet/VGG backbones: named stages run in order, per-stage outputs.

    A subclass declares ``stage_names`` (its stage modules' attribute names, in order),
    ``stage_channels`` (each stage's output channels) and ``pool_names`` (stage name ->
    attribute name of the pool that follows it), builds those modules in its
    ``__init__`` after calling this one and ends with ``self._freeze_stages()``. By default
    a stage is ``relu(stage(x))``; override :meth:`forward_stage` for anything else. The
    parameter names are entirely the subclass's (this class adds no parameters).

    Args:
        out_indices (Sequence[int | str]): stages to return, by index or name.
        tap (str | Sequence[str]): ``'post'`` (after the activation) or ``'pre'`` (before
            it); one value for all outputs or one per ``out_indices`` entry.
        frozen_stages (int): stages ``0 .. frozen_stages-1`` are frozen (eval mode, no
            gradients); -1 freezes nothing.
        norm_eval (bool): keep every BN layer in eval mode while training.
        init_cfg (dict | list[dict], optional): initialisation.
    """

    stage_names: Tuple[str, ...] = ()
    stage_channels: Tuple[int, ...] = ()
    pool_names: Dict[str, str] = {}

    def __init__(self,
                 out_indices: Sequence[Union[int, str]],
                 tap: Union[str, Sequence[str]] = 'post',
                 frozen_stages: int = -1,
                 norm_eval: bool = False,
                 init_cfg: Optional[Union[Dict, List[Dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        name = type(self).__name__
        if isinstance(out_indices, (int, str)):
            out_indices = (out_indices, )
        self.out_indices = tuple(self._stage_index(i) for i in out_indices)
        if not self.out_indices:
            raise ValueError(f'{name}: out_indices must not be empty')
        taps = (tap, ) * len(self.out_indices) if isinstance(tap, str) else tuple(tap)
        if len(taps) != len(self.out_indices) or any(t not in ('pre', 'post') for t in taps):
            raise ValueError(f"{name}: tap must be 'pre' or 'post' (or one of them per "
                             f'out index), got {tap!r}')
        num_stages = len(self.stage_names)
        if not -1 <= frozen_stages <= num_stages:
            raise ValueError(f'{name}: frozen_stages must be in [-1, {num_stages}], '
                             f'got {frozen_stages}')
        self.taps = taps
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        self.out_channels = tuple(self.stage_channels[i] for i in self.out_indices)

    def _stage_index(self, index: Union[int, str]) -> int:
        """Resolve a stage name or a (possibly negative) index to an index."""
        if isinstance(index, str):
            if index not in self.stage_names:
                raise ValueError(f'{type(self).__name__}: unknown stage {index!r}; expected '
                                 f'one of {self.stage_names}')
            return self.stage_names.index(index)
        n = len(self.stage_names)
        if not -n <= index < n:
            raise IndexError(f'{type(self).__name__}: out index {index} out of range '
                             f'[0, {n})')
        return index % n

    def _freeze_stages(self) -> None:
        for i in range(self.frozen_stages):
            stage = getattr(self, self.stage_names[i])
            stage.eval()
            for param in stage.parameters():
                param.requires_grad = False

    def forward_stage(self, name: str,
                      x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Run one stage: ``(pre, post)`` = (stage output, after ReLU); ``post`` goes on."""
        pre = getattr(self, name)(x)
        return pre, self.relu(pre)

    def forward(self, x: torch.Tensor,
                out_indices: Optional[Sequence[Union[int, str]]] = None,
                taps: Optional[Sequence[str]] = None) -> Tuple[torch.Tensor, ...]:
        """Forward the image batch, stopping at the last requested stage.

        Args:
            x (Tensor): (N, C, H, W).
            out_indices (Sequence[int | str], optional): stages to return for this call
                (e.g. only the discriminator's layer for real images); defaults to the
                constructor's, with its taps.
            taps (Sequence[str], optional): 'pre'/'post' per ``out_indices`` entry for this
                call; defaults to 'post' when ``out_indices`` is given.

        Returns:
            tuple[Tensor]: one feature map per output index, in that order; a stage's
            output is taken before the pool that follows it.
        """
        if out_indices is None:
            indices, taps = self.out_indices, self.taps
        else:
            indices = tuple(self._stage_index(i) for i in out_indices)
            taps = ('post', ) * len(indices) if taps is None else tuple(taps)
            if len(taps) != len(indices):
                raise ValueError(f'{type(self).__name__}: {len(taps)} taps for '
                                 f'{len(indices)} outputs')
        wanted = set(indices)
        feats = {}
        for i, name in enumerate(self.stage_names[:max(indices) + 1]):
            pre, x = self.forward_stage(name, x)
            if i in wanted:
                feats[(i, 'pre')] = pre
                feats[(i, 'post')] = x
            if name in self.pool_names:
                x = getattr(self, self.pool_names[name])(x)
        return tuple(feats[(i, t)] for i, t in zip(indices, taps))

    def train(self, mode: bool = True) -> 'StageBackbone':
        """Switch modes, keeping frozen stages and (with ``norm_eval``) every BN in eval."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, _BatchNorm):
                    m.eval()
        return self
