# Copyright (c) synthssl contributors.
"""Checkpoint the random number generators, so a resumed run draws what an uninterrupted
one would have drawn."""
import random
from typing import Any, Dict, Optional

import numpy as np
import torch
from mmengine.hooks import Hook

from synthssl.registry import HOOKS


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Save Python's, NumPy's and torch's (CPU and CUDA) random states in every checkpoint
    and restore them when training resumes from it.

    mmengine re-seeds a resumed run from ``randomness.seed``: every random draw after the
    resume (the history pools' swaps, dropout, random crops in the main process) then
    differs from the uninterrupted run's, so the two runs diverge. With this hook a run
    killed and resumed ends with bit-identical weights and optimiser states on the CPU (see
    ``tests/test_tools/test_resume_equivalence.py``).

    The states are restored just before the first resumed iteration, after mmengine has
    advanced the dataloader past the finished iterations. Data workers reseed themselves,
    and re-process the skipped batches as the straight run did, so their draws match too;
    with ``num_workers=0`` the skipped batches' augmentations come from the main process's
    generators and the batch loaded right after the resume differs. Only rank 0 saves a
    checkpoint, so under DDP rank 0's states are saved and restored on rank 0; the other
    ranks continue from the seed.
    """

    priority = 'VERY_HIGH'

    def __init__(self) -> None:
        self._pending: Optional[Dict[str, Any]] = None

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        state = dict(python=random.getstate(), numpy=np.random.get_state(),
                     torch=torch.get_rng_state())
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            state['cuda'] = torch.cuda.get_rng_state_all()
        checkpoint['random_state'] = state

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get('random_state')
        iteration = checkpoint.get('meta', {}).get('iter')
        self._pending = None if state is None or runner.rank != 0 else dict(
            state, iter=iteration)

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        if self._pending is None:
            return
        state, self._pending = self._pending, None
        if runner.iter != state['iter']:  # load_from (a new run), not a resume
            return
        random.setstate(state['python'])
        np.random.set_state(state['numpy'])
        torch.set_rng_state(state['torch'])
        if 'cuda' in state and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state['cuda'])
