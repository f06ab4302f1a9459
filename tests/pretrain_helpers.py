# Copyright (c) synthssl contributors.
"""Tiny data and config shrinking for running the shipped pretraining configs on CPU."""
import os.path as osp
from typing import Any, Optional

from mmengine.config import Config

#: input side of the shrunk configs: SynthAlexNet's fc7 is 3x3, the decoders give 67.
TINY = 67
#: backbone type -> input side of its shrunk configs. SynthVGG16: 64 = 4 x 16, so conv5_3 is
#: 4x4 (exact 1/2 ... 1/16 skip maps) and the VGG discriminator's 4x4/2 D1 still fits (1x1).
TINY_SIZES = {'SynthAlexNet': TINY, 'SynthVGG16': 64}


def tiny_size(cfg: Config) -> int:
    """The tiny input side for ``cfg``'s backbone (see :data:`TINY_SIZES`)."""
    backbone = cfg.model.backbone.type.split('.')[-1]
    if backbone not in TINY_SIZES:
        raise KeyError(f'pretrain_helpers: no tiny input size for backbone {backbone!r}; '
                       f'add it to TINY_SIZES')
    return TINY_SIZES[backbone]


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


def _shrink_pipeline(pipeline: Any, size: int) -> None:
    for t in pipeline or []:
        if t['type'] in ('MultiTaskResize', 'synthssl.MultiTaskResize'):
            if 'short_edge' in t:
                t['short_edge'] = size + 5
            else:
                crop = any(u['type'].endswith('RandomCrop') for u in pipeline)
                t['scale'] = (size + 5, size + 5) if crop else (size, size)
        if t['type'].endswith('RandomCrop'):
            t['crop_size'] = size


def _shrink_dataset(ds: dict, paths: dict, split: str, size: int) -> None:
    if ds['type'].endswith('SynRealPairDataset'):
        _shrink_dataset(ds['syn'], paths, split, size)
        _shrink_dataset(ds['real'], paths, 'real', size)
        return
    ds['data_root'] = paths['real'] if split == 'real' else paths[split]
    _shrink_pipeline(ds.get('pipeline'), size)


def shrink(cfg: Config, paths: dict, work_dir: str, iters: int = 2,
           size: Optional[int] = None) -> Config:
    """Point ``cfg`` at the tiny data and make it run ``iters`` iterations at ``size`` x
    ``size`` (default: :func:`tiny_size`, 67 for SynthAlexNet)."""
    size = tiny_size(cfg) if size is None else size
    for split, key in (('train', 'train_dataloader'), ('val', 'val_dataloader'),
                       ('val', 'test_dataloader')):
        dl = cfg[key]
        dl.update(batch_size=2, num_workers=0, persistent_workers=False)
        _shrink_dataset(dl['dataset'], paths, split, size)
    cfg.train_cfg.max_iters = iters
    cfg.train_cfg.val_interval = iters
    cfg.default_hooks.checkpoint.interval = iters
    cfg.default_hooks.logger.interval = 1
    cfg.log_processor.window_size = 1
    cfg.work_dir = work_dir
    cfg.experiment_name = osp.basename(work_dir)
    return cfg


def tiny_alexnet_checkpoint(root: str, seed: int = 1) -> dict:
    """Tiny data under ``root``, ``configs/renlee/alexnet_3task.py`` shrunk to it and dumped
    as ``root/tiny.py``, and a runner checkpoint ``root/model.pth`` of its model initialised
    under ``seed`` (not the analysis tools' ``random``, seed 0).

    Returns:
        dict: ``paths`` (of :func:`render_tiny_data`), ``cfg`` (the dumped config's path),
        ``ckpt`` and ``model`` (the checkpoint's model, eval mode).
    """
    import torch
    from mmengine.registry import DefaultScope

    from synthssl.registry import MODELS
    paths = render_tiny_data(osp.join(root, 'data'))
    repo = osp.dirname(osp.dirname(osp.abspath(__file__)))
    cfg = shrink(Config.fromfile(osp.join(repo, 'configs', 'renlee', 'alexnet_3task.py')),
                 paths, osp.join(root, 'work'))
    cfg.pop('experiment_name')
    cfg_path = osp.join(root, 'tiny.py')
    cfg.dump(cfg_path)
    torch.manual_seed(seed)
    with DefaultScope.overwrite_default_scope('synthssl'):
        model = MODELS.build(cfg.model)
    model.init_weights()
    ckpt = osp.join(root, 'model.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict(iter=0)), ckpt)
    return dict(paths=paths, cfg=cfg_path, ckpt=ckpt, model=model.eval())


def adam_steps(ckpt: dict) -> int:
    """Steps taken by the generator's Adam in a CrossDomainMultiTask runner checkpoint."""
    return int(next(iter(ckpt['optimizer']['generator']['state'].values()))['step'])
