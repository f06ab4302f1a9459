# Copyright (c) synthssl contributors.
"""Prediction panels of a few fixed samples, logged to the visualiser while training."""
import random
from typing import Dict, Optional

import numpy as np
import torch
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from synthssl.registry import HOOKS
from synthssl.visualization import make_panel, prediction_rows


@HOOKS.register_module()
class PredictionPanelHook(Hook):
    """Every ``interval`` training iterations (and, with ``after_val``, after each
    validation), predict a few fixed samples and log a panel -- input | predicted / true
    depth | normal | contour, one row per sample (see
    :func:`synthssl.visualization.prediction_rows`) -- through
    ``runner.visualizer.add_image(name, panel, step)``, so every configured visualiser
    backend receives it: ``LocalVisBackend`` writes
    ``<work_dir>/<timestamp>/vis_data/vis_image/<name>_<step>.png``,
    ``TensorboardVisBackend`` an image summary ``<name>`` at ``step``.

    ``step`` is the number of finished training iterations (``runner.iter + 1`` after an
    iteration, ``runner.iter`` after validation), as in the checkpoint names; a step is
    logged once even when both triggers meet.

    The samples are the first ``num_samples`` items of the val dataset (``source='val'``; the
    training dataset when the run has no validation) or of the training dataset
    (``source='train'``), collated once, with Python's, NumPy's and
    torch's random states restored afterwards (random training transforms then draw the
    same numbers as without the hook). Only the main process renders; the model runs in
    eval mode under ``torch.no_grad`` and gets its previous mode back.

    Args:
        interval (int): iterations between panels; 0 disables the iteration trigger.
            Defaults to 1000.
        num_samples (int): rows of the panel. Defaults to 4.
        source (str): ``'val'`` or ``'train'``. Defaults to ``'val'``.
        after_val (bool): also log after every validation. Defaults to False.
        name (str): the image's name (a file-name-safe tag). Defaults to
            ``'prediction_panel'``.
    """

    priority = 'LOW'

    def __init__(self, interval: int = 1000, num_samples: int = 4, source: str = 'val',
                 after_val: bool = False, name: str = 'prediction_panel') -> None:
        if interval < 0:
            raise ValueError(f'PredictionPanelHook: interval must be >= 0, got {interval}')
        if num_samples < 1:
            raise ValueError(f'PredictionPanelHook: num_samples must be positive, got '
                             f'{num_samples}')
        if source not in ('val', 'train'):
            raise ValueError(f"PredictionPanelHook: source must be 'val' or 'train', got "
                             f'{source!r}')
        if not name or '/' in name or '\\' in name:
            raise ValueError(f'PredictionPanelHook: name must be a non-empty file-name-safe '
                             f'tag, got {name!r}')
        self.interval = interval
        self.num_samples = num_samples
        self.source = source
        self.log_after_val = after_val  # (Hook.after_val is a method)
        self.name = name
        self._batch: Optional[Dict] = None
        self._last_step: Optional[int] = None

    # ------------------------------------------------------------------ triggers
    def before_train(self, runner) -> None:
        if self.source == 'val' and runner.val_loop is None:  # e.g. train.py --no-validate
            runner.logger.warning('PredictionPanelHook: no validation set (val_dataloader / '
                                  'val_cfg), showing the first training samples instead')
            self.source = 'train'

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        if self.interval and self.every_n_train_iters(runner, self.interval):
            self.log_panel(runner, runner.iter + 1)

    def after_val_epoch(self, runner, metrics=None) -> None:
        if self.log_after_val:
            self.log_panel(runner, runner.iter)

    # ------------------------------------------------------------------ rendering
    def _fixed_batch(self, runner) -> Dict:
        """The first ``num_samples`` items of the source dataset, collated (cached)."""
        if self._batch is None:
            loader = runner.val_dataloader if self.source == 'val' \
                else runner.train_dataloader
            dataset = loader.dataset
            n = min(self.num_samples, len(dataset))
            if n == 0:
                raise ValueError(f'PredictionPanelHook: the {self.source} dataset is empty')
            states = random.getstate(), np.random.get_state(), torch.get_rng_state()
            try:
                self._batch = loader.collate_fn([dataset[i] for i in range(n)])
            finally:
                random.setstate(states[0])
                np.random.set_state(states[1])
                torch.set_rng_state(states[2])
        return self._batch

    def render(self, runner) -> np.ndarray:
        """The (H, W, 3) uint8 RGB panel of the current model."""
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        was_training = model.training
        model.eval()
        try:
            with torch.no_grad():
                data = model.data_preprocessor(self._fixed_batch(runner), False)
                samples = model(data['inputs'], data['data_samples'], mode='predict')
        finally:
            model.train(was_training)
        rows, labels = prediction_rows(data['inputs'], samples)
        return make_panel(rows, labels=labels)

    def log_panel(self, runner, step: int) -> None:
        """Render and send the panel to ``runner.visualizer`` at ``step`` (main process)."""
        if not is_main_process() or step == self._last_step:
            return
        runner.visualizer.add_image(self.name, self.render(runner), step=step)
        self._last_step = step
