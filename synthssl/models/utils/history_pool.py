# Copyright (c) synthssl contributors.
"""CycleGAN's history buffer of discriminator inputs, checkpointed with the model."""
from typing import Any, Dict, List

import torch
import torch.nn as nn


class FeatureHistoryPool(nn.Module):
    """A pool of past feature maps (Shrivastava et al. 2017; CycleGAN's ``ImagePool``).

    Each incoming sample is stored while the pool is filling and returned as is; once the
    pool is full, with probability 0.5 it is swapped with a random stored sample (which is
    returned instead), otherwise returned as is. The authors' code keeps one pool of 128
    per domain. The pool lives in buffers (on the CPU), so it is saved in checkpoints and
    restored by ``--resume``; each DDP process keeps its own.

    Args:
        pool_size (int): capacity; 0 disables the pool (inputs pass through).
    """

    def __init__(self, pool_size: int = 128) -> None:
        super().__init__()
        if pool_size < 0:
            raise ValueError(f'pool_size must be >= 0, got {pool_size}')
        self.pool_size = pool_size
        self.register_buffer('items', torch.empty(0), persistent=True)
        self.register_buffer('count', torch.zeros((), dtype=torch.long), persistent=True)

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        """
        Args:
            feats (Tensor): (N, C, H, W) features, detached by the caller.

        Returns:
            Tensor: (N, C, H, W) a mix of the inputs and past samples, on the input's device.
        """
        if self.pool_size == 0:
            return feats
        feats = feats.detach()
        cpu = feats.to('cpu', torch.float32)
        if self.items.numel() == 0 or self.items.shape[1:] != cpu.shape[1:]:
            self.items = cpu.new_zeros((self.pool_size, *cpu.shape[1:]))
            self.count.zero_()
        out: List[torch.Tensor] = []
        for f in cpu:
            n = int(self.count)
            if n < self.pool_size:
                self.items[n] = f
                self.count += 1
                out.append(f)
            elif torch.rand(()) < 0.5:
                j = int(torch.randint(0, self.pool_size, ()))
                out.append(self.items[j].clone())
                self.items[j] = f
            else:
                out.append(f)
        return torch.stack(out).to(feats.device, feats.dtype)

    def _load_from_state_dict(self, state_dict: Dict[str, Any], prefix: str, *args,
                              **kwargs) -> None:
        # The pool's shape is only known after the first batch: adopt the saved one.
        key = prefix + 'items'
        if key in state_dict:
            self.items = torch.empty_like(state_dict[key], device='cpu')
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
