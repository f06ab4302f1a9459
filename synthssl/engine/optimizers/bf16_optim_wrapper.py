# Copyright (c) synthssl contributors.
"""Mixed precision without a loss scaler: bfloat16 autocast, on the CPU or a GPU."""
from contextlib import contextmanager

import torch
import torch.nn as nn
from mmengine.optim import OptimWrapper
from mmengine.runner.amp import autocast

from synthssl.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class BF16OptimWrapper(OptimWrapper):
    """:class:`~mmengine.optim.OptimWrapper` whose ``optim_context`` runs the forward under
    bfloat16 autocast.

    mmengine's ``AmpOptimWrapper`` asserts a GPU (its fp16 loss scaler is CUDA's);
    bfloat16 has float32's exponent range, so gradients need no scaling and this wrapper
    is the plain one plus the autocast context. Parameters, optimiser state and BN running
    statistics stay float32; synthssl's losses and the discriminator's BCE cast their inputs
    to float32. ``tools/train.py --amp`` selects it when CUDA is not available.

    Args:
        device_type (str, optional): ``'cpu'`` or ``'cuda'``; default: where CUDA is
            available, ``'cuda'``, else ``'cpu'``.
        **kwargs: :class:`OptimWrapper`'s arguments.
    """

    def __init__(self, device_type: str = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.device_type = device_type or ('cuda' if torch.cuda.is_available() else 'cpu')

    @contextmanager
    def optim_context(self, model: nn.Module):
        with super().optim_context(model), \
                autocast(device_type=self.device_type, dtype=torch.bfloat16):
            yield
