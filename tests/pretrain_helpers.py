# Copyright (c) synthssl contributors.
"""Tiny data and config shrinking for running the shipped pretraining configs on CPU."""
import os.path as osp
from typing import Any

from mmengine.config import Config

#: input side of the shrunk configs: SynthAlexNet's fc7 is 3x3, the decoders give 67.
TINY = 67


def render_tiny_data(root: str) -> dict:
    """Render 4 train + 2 val views (80x80) and write the built-in real photos."""
    from synthssl.datasets import materialize_builtin_photos
    from synthssl.render import render_dataset
    paths = dict(train=osp.join(root, 'render_train'), val=osp.join(root, 'render_val'),
                 real=osp.join(root, 'real_photos'))
    render_dataset(paths['train'], num_scenes=2, views_per_scene=2, width=80, height=80,
                   seed=0, workers=1, progress=False)
    render_dataset(paths['val'], num_scenes=1, views_per_scene=2, width=80, height=80,
                   seed=1, workers=1, progress=False)
    materialize_builtin_photos(paths['real'])
    return paths


def _shrink_pipeline(pipeline: Any) -> None:
    for t in pipeline or []:
        if t['type'] in ('MultiTaskResize', 'synthssl.MultiTaskResize'):
            if 'short_edge' in t:
                t['short_edge'] = TINY + 5
            else:
                crop = any(u['type'].endswith('RandomCrop') for u in pipeline)
                t['scale'] = (TINY + 5, TINY + 5) if crop else (TINY, TINY)
        if t['type'].endswith('RandomCrop'):
            t['crop_size'] = TINY


def _shrink_dataset(ds: dict, paths: dict, split: str) -> None:
    if ds['type'].endswith('SynRealPairDataset'):
        _shrink_dataset(ds['syn'], paths, split)
        _shrink_dataset(ds['real'], paths, 'real')
        return
    ds['data_root'] = paths['real'] if split == 'real' else paths[split]
    _shrink_pipeline(ds.get('pipeline'))


def shrink(cfg: Config, paths: dict, work_dir: str, iters: int = 2) -> Config:
    """Point ``cfg`` at the tiny data and make it run ``iters`` iterations at 67x67."""
    for split, key in (('train', 'train_dataloader'), ('val', 'val_dataloader'),
                       ('val', 'test_dataloader')):
        dl = cfg[key]
        dl.update(batch_size=2, num_workers=0, persistent_workers=False)
        _shrink_dataset(dl['dataset'], paths, split)
    cfg.train_cfg.max_iters = iters
    cfg.train_cfg.val_interval = iters
    cfg.default_hooks.checkpoint.interval = iters
    cfg.default_hooks.logger.interval = 1
    cfg.log_processor.window_size = 1
    cfg.work_dir = work_dir
    cfg.experiment_name = osp.basename(work_dir)
    return cfg
