# Copyright (c) synthssl contributors.
"""One optimiser wrapper per group of sub-modules (adversarial training)."""
import copy
from typing import Dict, Optional

import torch.nn as nn
from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapperDict

from synthssl.registry import OPTIM_WRAPPER_CONSTRUCTORS


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class MultiOptimWrapperConstructor:
    """Build an :class:`OptimWrapperDict` with one optimiser wrapper per named group.

    Each key of ``optim_wrapper_cfg`` names a wrapper (the key the algorithm's
    ``train_step`` uses, e.g. ``optim_wrapper['discriminator']``); its value is an ordinary
    optimiser-wrapper config plus an optional ``modules`` list of the model's sub-modules it
    updates (default: the sub-module of the same name) and an optional ``paramwise_cfg``.
    Every trainable parameter must belong to exactly one group::

        optim_wrapper = dict(
            constructor='synthssl.MultiOptimWrapperConstructor',
            generator=dict(type='OptimWrapper', modules=['backbone', 'heads'],
                           optimizer=dict(type='Adam', lr=1e-3, betas=(0.5, 0.999))),
            discriminator=dict(type='OptimWrapper',
                               optimizer=dict(type='SGD', lr=1e-3, momentum=0.9,
                                              weight_decay=5e-4)))

    Parameter schedulers can then be given per wrapper:
    ``param_scheduler = dict(generator=[...], discriminator=[...])``.
    """

    def __init__(self, optim_wrapper_cfg: Dict, paramwise_cfg: Optional[Dict] = None) -> None:
        if not isinstance(optim_wrapper_cfg, dict) or not optim_wrapper_cfg:
            raise TypeError('MultiOptimWrapperConstructor: optim_wrapper must be a dict of '
                            f'named wrapper configs, got {optim_wrapper_cfg!r}')
        if paramwise_cfg is not None:
            raise ValueError('MultiOptimWrapperConstructor: give paramwise_cfg inside each '
                             'named wrapper config, not at the top level')
        for name, cfg in optim_wrapper_cfg.items():
            if not isinstance(cfg, dict) or 'optimizer' not in cfg:
                raise ValueError(f'MultiOptimWrapperConstructor: optim_wrapper.{name} must be '
                                 'an optimizer wrapper config with an `optimizer`')
        self.optim_wrapper_cfg = copy.deepcopy(optim_wrapper_cfg)

    def __call__(self, model: nn.Module) -> OptimWrapperDict:
        if hasattr(model, 'module'):  # a wrapped model
            model = model.module
        wrappers = {}
        owner: Dict[int, str] = {}
        for name, cfg in self.optim_wrapper_cfg.items():
            cfg = copy.deepcopy(cfg)
            module_names = cfg.pop('modules', [name])
            paramwise_cfg = cfg.pop('paramwise_cfg', None)
            group = nn.Module()
            for m in module_names:
                if not hasattr(model, m):
                    raise KeyError(f'optim_wrapper.{name}: the model has no sub-module {m!r}')
                group.add_module(m, getattr(model, m))
            for p in group.parameters():
                if id(p) in owner:
                    raise ValueError(f'optim_wrapper.{name}: a parameter is already updated by '
                                     f'optim_wrapper.{owner[id(p)]}')
                owner[id(p)] = name
            wrappers[name] = DefaultOptimWrapperConstructor(cfg, paramwise_cfg)(group)
        orphans = [n for n, p in model.named_parameters()
                   if p.requires_grad and id(p) not in owner]
        if orphans:
            raise ValueError(f'MultiOptimWrapperConstructor: trainable parameters in no group: '
                             f'{orphans[:5]}{" ..." if len(orphans) > 5 else ""}')
        return OptimWrapperDict(**wrappers)
