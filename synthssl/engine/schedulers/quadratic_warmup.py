# Copyright (c) synthssl contributors.
"""CSG's quadratic learning-rate warm-up, chainable with mmengine's PolyLR."""
from typing import Union

from mmengine.optim import BaseOptimWrapper
from mmengine.optim.scheduler.lr_scheduler import LRSchedulerMixin
from mmengine.optim.scheduler.param_scheduler import INF, _ParamScheduler
from torch.optim import Optimizer

from synthssl.registry import PARAM_SCHEDULERS


@PARAM_SCHEDULERS.register_module()
class QuadraticWarmupParamScheduler(_ParamScheduler):
    r"""Multiply the parameter by a quadratic warm-up factor

    .. math:: f(t) = s + (1 - s)\,\big(t / T\big)^2, \qquad T = end - begin - 1,

    for ``t = step - begin`` in ``[begin, end)``; like mmengine's ``LinearLR`` the factor
    reaches 1 at the last active step ``end - 1`` and stays there. The form is chainable
    (each step multiplies by ``f(t) / f(t-1)``), so combined with ``PolyLR`` over the whole
    run the value is ``base · f(t) · (1 - t/max)^p``: the released CSG code's ``lr_poly``
    ``min(0.01 + 0.99 (it/100)^2, 1) · base · (1 - it/max)^0.9`` is
    ``start_factor=0.01, begin=0, end=101`` plus ``PolyLR(power=0.9, eta_min=0, end=max)``.
    (mmdet's ``QuadraticWarmupLR`` starts from 0 and has no start factor.)

    Args:
        optimizer (Optimizer or BaseOptimWrapper): the optimiser.
        param_name (str): parameter to schedule, e.g. ``'lr'``.
        start_factor (float): s, the factor at ``begin``, in (0, 1]. Defaults to 0.01.
        begin (int): first step. Defaults to 0.
        end (int): one past the last step of the warm-up (finite). Defaults to INF.
        last_step (int): last step index, for resuming. Defaults to -1.
        by_epoch (bool): steps are epochs (else iterations). Defaults to True.
        verbose (bool): print each update. Defaults to False.
    """

    def __init__(self,
                 optimizer: Union[Optimizer, BaseOptimWrapper],
                 param_name: str,
                 start_factor: float = 0.01,
                 begin: int = 0,
                 end: int = INF,
                 last_step: int = -1,
                 by_epoch: bool = True,
                 verbose: bool = False) -> None:
        if not 0 < start_factor <= 1:
            raise ValueError(f'QuadraticWarmup: start_factor must be in (0, 1], got {start_factor}')
        if end >= INF or end - begin < 2:
            raise ValueError('QuadraticWarmup: `end` must be finite and at least begin + 2, got '
                             f'begin={begin}, end={end}')
        self.start_factor = start_factor
        self.total_iters = end - begin - 1
        super().__init__(optimizer, param_name=param_name, begin=begin, end=end,
                         last_step=last_step, by_epoch=by_epoch, verbose=verbose)

    def factor(self, t: int) -> float:
        """The warm-up factor f(t) at ``t`` steps after ``begin``."""
        t = min(max(t, 0), self.total_iters)
        return self.start_factor + (1 - self.start_factor) * (t / self.total_iters)**2

    @classmethod
    def build_iter_from_epoch(cls, *args, begin=0, end=INF, by_epoch=True, epoch_length=None,
                              **kwargs):
        """Build an iteration-based instance from an epoch-based config."""
        assert by_epoch, 'Only epoch-based kwargs whose `by_epoch=True` can be converted.'
        assert epoch_length is not None and epoch_length > 0, \
            f'`epoch_length` must be a positive integer, but got {epoch_length}.'
        begin = int(begin * epoch_length)
        if end != INF:
            end = int(end * epoch_length)
        return cls(*args, begin=begin, end=end, by_epoch=False, **kwargs)

    def _get_value(self):
        """Chainable form: multiply the current value by f(t) / f(t - 1)."""
        t = self.last_step
        ratio = self.factor(0) if t == 0 else self.factor(t) / self.factor(t - 1)
        return [group[self.param_name] * ratio for group in self.optimizer.param_groups]


@PARAM_SCHEDULERS.register_module()
class QuadraticWarmupLR(LRSchedulerMixin, QuadraticWarmupParamScheduler):
    """:class:`QuadraticWarmupParamScheduler` for the learning rate."""
