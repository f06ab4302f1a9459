# Copyright (c) synthssl contributors.
"""Mixed precision without a loss scaler: bfloat16 autocast, on the CPU or a GPU."""
from contextlib import contextmanager
from typing import Any, List, Optional, Sequence

import torch
import torch.nn as nn
from mmengine.optim import OptimWrapper
from mmengine.runner.amp import autocast

from synthssl.registry import OPTIM_WRAPPERS


def bfloat16_to_float32(x: Any) -> Any:
    """``x`` with every bfloat16 tensor (also inside tuples, lists and dicts) cast to
    float32; everything else unchanged."""
    if isinstance(x, torch.Tensor):
        return x.float() if x.dtype == torch.bfloat16 else x
    if isinstance(x, tuple) and hasattr(x, '_fields'):  # a namedtuple
        return type(x)(*(bfloat16_to_float32(v) for v in x))
    if isinstance(x, (tuple, list)):
        return type(x)(bfloat16_to_float32(v) for v in x)
    if isinstance(x, dict):
        return type(x)((k, bfloat16_to_float32(v)) for k, v in x.items())
    return x


@OPTIM_WRAPPERS.register_module()
class BF16OptimWrapper(OptimWrapper):
    """:class:`~mmengine.optim.OptimWrapper` whose ``optim_context`` runs the forward under
    bfloat16 autocast.

    mmengine's ``AmpOptimWrapper`` asserts a GPU (its fp16 loss scaler is CUDA's);
    bfloat16 has float32's exponent range, so gradients need no scaling and this wrapper
    is the plain one plus the autocast context. Parameters, optimiser state and BN running
    statistics stay float32; synthssl's losses and the discriminator's BCE cast their inputs
    to float32. ``tools/train.py --amp`` selects it when CUDA is not available.

    With ``autocast_modules``, only those submodules run under autocast (their outputs are
    cast back to float32) and the rest of the forward stays float32: for models whose other
    parts call ops without a bfloat16 CPU kernel or need float32 (mmdet's detectors: mmcv's
    CPU NMS takes float32 only, and box coordinates of a 512-pixel image lose whole pixels
    in bfloat16's 8-bit mantissa). Outside ``optim_context`` (validation, test) they run in
    float32.

    Args:
        device_type (str, optional): ``'cpu'`` or ``'cuda'``; default: where CUDA is
            available, ``'cuda'``, else ``'cpu'``.
        autocast_modules (Sequence[str], optional): names of submodules of the model
            (``model.get_submodule`` paths, e.g. ``'backbone'``,
            ``'roi_head.bbox_head.shared_fcs.0'``) that run in bfloat16. Default: the whole
            forward.
        **kwargs: :class:`OptimWrapper`'s arguments.
    """

    def __init__(self, device_type: Optional[str] = None,
                 autocast_modules: Optional[Sequence[str]] = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.device_type = device_type or ('cuda' if torch.cuda.is_available() else 'cpu')
        self.autocast_modules = list(autocast_modules) if autocast_modules else None
        self._hooked: Optional[nn.Module] = None
        self._active = False
        self._contexts: List[Any] = []

    def _hook_modules(self, model: nn.Module) -> None:
        """Register the autocast hooks on ``autocast_modules`` of ``model`` (once)."""
        if self._hooked is model:
            return
        if self._hooked is not None:
            raise RuntimeError('BF16OptimWrapper: autocast_modules are hooked into another '
                               'model already; one wrapper serves one model')
        inner = getattr(model, 'module', model)  # DDP and mmengine's wrappers
        for name in self.autocast_modules:
            try:
                module = inner.get_submodule(name)
            except AttributeError as e:
                raise ValueError(f'BF16OptimWrapper: autocast_modules names {name!r}, which '
                                 f'{type(inner).__name__} does not have ({e})') from None
            module.register_forward_pre_hook(self._enter)
            module.register_forward_hook(self._exit, always_call=True)
        self._hooked = model

    def _enter(self, module: nn.Module, args: Any) -> None:
        if self._active:
            ctx = autocast(device_type=self.device_type, dtype=torch.bfloat16)
            ctx.__enter__()
            self._contexts.append(ctx)
        else:
            self._contexts.append(None)

    def _exit(self, module: nn.Module, args: Any, output: Any) -> Any:
        ctx = self._contexts.pop()
        if ctx is None:
            return None
        ctx.__exit__(None, None, None)
        return bfloat16_to_float32(output)

    @contextmanager
    def optim_context(self, model: nn.Module):
        if self.autocast_modules is None:
            with super().optim_context(model), \
                    autocast(device_type=self.device_type, dtype=torch.bfloat16):
                yield
            return
        self._hook_modules(model)
        with super().optim_context(model):
            self._active = True
            try:
                yield
            finally:
                self._active = False
