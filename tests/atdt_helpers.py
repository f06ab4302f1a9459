# Copyright (c) synthssl contributors.
"""Tiny rendered A/B data and config shrinking for running the AT/DT configs on CPU, and the
tiny mmseg task networks (N1/N2) of the AT/DT unit tests (with the ``mmseg_scope`` fixture)."""
import copy
import glob
import os.path as osp
from typing import Dict, List

from mmengine.config import Config, ConfigDict

from helpers import REPO

#: image / crop side of the shrunk configs (OS 16 -> 4x4 features, G down to 1x1)
TINY = 64
#: domain B's val/test views are (h, w) = ODD: not multiples of 64 (nor of 16), like KITTI's
#: frames, so every shrunk test runs the pad-to-64 / crop-back path of the preprocessor
ODD = (56, 88)
#: tiny task networks: ResNet-18 with 4 base channels (last stage: 32 channels)
TINY_FEAT = 32
CONFIG_DIR = osp.join(REPO, 'configs', 'atdt')
RENDER_DATA_CFG = osp.join(REPO, 'configs', '_base_', 'datasets', 'atdt_render-indoor2warm.py')
DOMAINS = ('domain_a_train', 'domain_b_train', 'domain_a_val', 'domain_b_val')
#: extra datasets of a pair config -> the tiny domain that stands in for them
EXTRA_DOMAINS = dict(domain_b_oracle_train='domain_b_train')

#: --net-options of run_pipeline.py that give the tiny task networks
TINY_NET_OPTIONS = ['backbone.depth=18', 'backbone.base_channels=4', 'backbone.stem_channels=4',
                    f'decode_head.in_channels={TINY_FEAT}', 'decode_head.channels=[8,8,8]',
                    f'data_preprocessor.size=[{TINY},{TINY}]']


def all_configs() -> List[str]:
    """Every shipped AT/DT stage config, as ``<pair>/<name>``."""
    return sorted(osp.relpath(p, CONFIG_DIR)[:-3]
                  for p in glob.glob(osp.join(CONFIG_DIR, '*', '*.py')))


def render_pair(root: str) -> Dict[str, str]:
    """Render domain A ('indoor') and B ('warm'): 4 train views of 64x64 each, and 2 val
    views (A: 64x64; B: ODD)."""
    from synthssl.render import render_dataset
    from synthssl.render.scene import SceneConfig
    paths = {}
    for dom, style in (('a', 'indoor'), ('b', 'warm')):
        for split, seed, scenes in (('train', 0, 2), ('val', 1, 1)):
            out = osp.join(root, f'{dom}_{split}')
            h, w = ODD if (dom, split) == ('b', 'val') else (TINY, TINY)
            render_dataset(out, num_scenes=scenes, views_per_scene=2, width=w, height=h,
                           seed=seed, workers=1, progress=False, shadows=False,
                           scene_cfg=SceneConfig(style=style))
            paths[f'domain_{dom}_{split}'] = out
    return paths


def _tiny_crop(ds: dict) -> None:
    for t in ds.get('pipeline') or []:
        if t['type'].endswith('RandomCrop'):
            t['crop_size'] = (TINY, TINY)


def _tiny_net(net: dict, data: Config) -> None:
    net['data_preprocessor']['size'] = (TINY, TINY)
    net['backbone'].update(depth=18, base_channels=4, stem_channels=4)
    head = net['decode_head']
    head.update(in_channels=TINY_FEAT, channels=(8, 8, 8))
    if head.get('task') == 'semantic':
        head.update(num_classes=data.num_classes, ignore_index=data.ignore_index)
    else:
        head.update(max_depth=data.max_depth)
        head['loss_decode']['max_depth'] = data.max_depth


def shrink_atdt(cfg: Config, paths: Dict[str, str], work_dir: str, iters: int = 2,
                checkpoint: bool = True) -> Config:
    """Run ``cfg`` (any pair) on the tiny renders: each dataset is replaced, domain by domain,
    by the rendered pair's one at ``paths`` (keeping the pair's own pipeline, crop shrunk);
    networks, crops and schedule are shrunk. ``checkpoint=False`` saves none; the result is
    not yapf-formatted when dumped (Runner logs/dumps the config several times)."""
    data = Config.fromfile(RENDER_DATA_CFG)

    def tiny(ds):
        key = next((k for k in DOMAINS + tuple(EXTRA_DOMAINS) if k in cfg and ds == cfg[k]),
                   None)
        assert key is not None, f'dataset is none of the pair config\'s domains: {ds}'
        key = EXTRA_DOMAINS.get(key, key)
        new = ConfigDict(copy.deepcopy(data[key]))
        new.update(data_root=paths[key], serialize_data=False,
                   pipeline=copy.deepcopy(ds['pipeline']))
        _tiny_crop(new)
        return new

    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dl = cfg.get(key)
        if not dl:
            continue
        dl.update(batch_size=2, num_workers=0, persistent_workers=False)
        if dl['dataset']['type'] == 'ConcatDataset':
            dl['dataset']['datasets'] = [tiny(d) for d in dl['dataset']['datasets']]
        else:
            dl['dataset'] = tiny(dl['dataset'])
    model = cfg.model
    if model['type'].endswith('ATDTTransfer'):
        _tiny_net(model['source'], data)
        _tiny_net(model['target'], data)
        feat = TINY_FEAT // 2**(3 - model.get('transfer_level', -1) % 4)
        model['transfer'].update(in_channels=feat, out_channels=feat, channels=8)
    else:
        _tiny_net(model, data)
    for key in ('val_evaluator', 'test_evaluator'):
        if cfg.get(key) and 'max_depth' in cfg[key]:
            cfg[key]['max_depth'] = data.max_depth
    cfg.train_cfg.max_iters = iters
    cfg.train_cfg.val_interval = iters
    cfg.param_scheduler = [dict(type='PolyLR', eta_min=0., power=0.9, begin=0, end=iters,
                                by_epoch=False)]
    if checkpoint:
        cfg.default_hooks.checkpoint.update(interval=iters, max_keep_ckpts=1)
    else:
        cfg.default_hooks.checkpoint = None
    cfg.default_hooks.logger.interval = 1
    cfg.log_processor.window_size = 1
    cfg.work_dir = work_dir
    cfg.experiment_name = osp.basename(work_dir)
    # mmengine 0.10.7's Config.fromfile drops format_python_code: set it here (yapf would take
    # ~0.5 s per dump, and the Runner dumps/logs the config ~5 times)
    return Config(cfg.to_dict(), filename=cfg.filename, format_python_code=False)


def load_stage(pair: str, name: str, paths: Dict[str, str], work_dir: str,
               iters: int = 2, checkpoint: bool = True) -> Config:
    return shrink_atdt(Config.fromfile(osp.join(CONFIG_DIR, pair, f'{name}.py')), paths,
                       work_dir, iters, checkpoint)


# ------------------------------------------------------------------ tiny N1/N2 for unit tests
#: their preprocessor: pixels to [0, 1], batches padded to 64x64
NET_DP = dict(type='mmseg.SegDataPreProcessor', mean=[0., 0., 0.], std=[255., 255., 255.],
              size=(64, 64))


def tiny_backbone(**kw) -> dict:
    """mmseg's ResNet-18 with 4 base channels, output stride 16, last stage only (32 ch)."""
    bb = dict(type='mmseg.ResNet', depth=18, base_channels=4, stem_channels=4,
              strides=(2, 2, 1, 1), dilations=(1, 1, 2, 4), out_indices=(3, ))
    bb.update(kw)
    return bb


def semantic_net(num_classes: int = 5) -> dict:
    """A tiny N2: EncoderDecoder with the AT/DT decoder and cross entropy."""
    return dict(type='mmseg.EncoderDecoder', data_preprocessor=NET_DP, backbone=tiny_backbone(),
                decode_head=dict(type='synthssl.ATDTDecoderHead', in_channels=32,
                                 channels=(8, 8, 8), num_classes=num_classes,
                                 loss_decode=dict(type='mmseg.CrossEntropyLoss',
                                                  avg_non_ignore=True)),
                test_cfg=dict(mode='whole'))


def depth_net(max_depth: float = 10.) -> dict:
    """A tiny N1: DepthEstimator with the AT/DT decoder in depth mode (metres)."""
    return dict(type='mmseg.DepthEstimator', data_preprocessor=NET_DP,
                backbone=tiny_backbone(),
                decode_head=dict(type='synthssl.ATDTDecoderHead', in_channels=32,
                                 channels=(8, 8, 8), task='depth', num_classes=1,
                                 max_depth=max_depth),
                test_cfg=dict(mode='whole'))


def sem_batch(n: int = 2, hw: int = 64, seed: int = 0) -> dict:
    """``pseudo_collate`` output for the tiny networks: uint8 images and 5-class labels."""
    import torch
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    g = torch.Generator().manual_seed(seed)
    samples = []
    for _ in range(n):
        s = SegDataSample(metainfo=dict(img_shape=(hw, hw), ori_shape=(hw, hw),
                                        pad_shape=(hw, hw)))
        s.gt_sem_seg = PixelData(data=torch.randint(0, 5, (1, hw, hw), generator=g))
        samples.append(s)
    return dict(inputs=[(torch.rand(3, hw, hw, generator=g) * 255).byte() for _ in range(n)],
                data_samples=samples)
