# Copyright (c) synthssl contributors.
"""Every AT/DT pair's dataset base config (configs/_base_/datasets/atdt_<pair>.py) builds its
four domain datasets on tiny data in the public layouts and yields packed mmseg samples with
both gt_sem_seg and gt_depth_map; the built-in pair is rendered with its tool."""
import copy
import glob
import os.path as osp
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DATASETS, DefaultScope, init_default_scope

from atdt_testdata import (KITTI_P2, write_carla, write_cityscapes, write_kitti_scene_flow,
                           write_kitti_semantics, write_kitti_stereo, write_synthia)
from helpers import REPO, run_tool

# every pair's data (atdt_common.py: what they share, no domains of its own)
CONFIGS = sorted(p for p in glob.glob(osp.join(REPO, 'configs', '_base_', 'datasets', 'atdt_*.py'))
                 if osp.basename(p) != 'atdt_common.py')
DOMAINS = ('domain_a_train', 'domain_b_train', 'domain_a_val', 'domain_b_val')
CROP = (16, 24)


@pytest.fixture(scope='module')
def tiny_roots(tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp('atdt_data')
    roots = dict(carla=str(base / 'carla'), synthia=str(base / 'SYNTHIA-SF'),
                 cityscapes=str(base / 'cityscapes'), kitti_sem=str(base / 'kitti_sem'),
                 kitti_stereo=str(base / 'kitti_stereo'), kitti=str(base / 'kitti'),
                 render=str(base / 'render'))
    write_carla(roots['carla'])
    write_synthia(roots['synthia'], sequences=(1, 2, 3, 4, 5), frames=1)
    write_cityscapes(roots['cityscapes'])
    write_kitti_semantics(roots['kitti_sem'])
    write_kitti_stereo(roots['kitti_stereo'])
    write_kitti_scene_flow(roots['kitti'])
    proc = run_tool([sys.executable, 'tools/render/render_atdt_pair.py',
                     roots['render'], '--train-scenes', '1', '--val-scenes', '1',
                     '--views-per-scene', '2', '--size', '64', '--no-progress'])
    assert 'indoor_train: style indoor, seed 0: rendered 2' in proc.stdout
    assert 'warm_val: style warm, seed 3: rendered 2' in proc.stdout
    return roots


def _root_for(ds: dict, domain: str, roots: dict) -> str:
    kind = ds['type'].split('.')[-1]
    if kind == 'RenderedSceneSegDataset':
        style = 'indoor' if domain.startswith('domain_a') else 'warm'
        split = 'train' if domain.endswith('train') else 'val'
        return osp.join(roots['render'], f'{style}_{split}')
    if kind == 'KITTIDepthDataset':
        if ds.get('img_dir', '').startswith('data_scene_flow'):
            return roots['kitti']
        return roots['kitti_stereo'] if ds.get('img_dir') == 'colored_0' else roots['kitti_sem']
    return roots[{'CARLADataset': 'carla', 'SynthiaSFDataset': 'synthia',
                  'CityscapesDepthDataset': 'cityscapes'}[kind]]


def test_there_are_atdt_configs():
    names = {osp.basename(c) for c in CONFIGS}
    assert {'atdt_render-indoor2warm.py', 'atdt_carla2cityscapes.py',
            'atdt_synthia2cityscapes.py', 'atdt_synthia2carla.py',
            'atdt_carla2kitti.py'} <= names


@pytest.mark.parametrize('path', CONFIGS, ids=[osp.basename(c) for c in CONFIGS])
def test_atdt_dataset_config(path, tiny_roots):
    cfg = Config.fromfile(path)
    assert len(cfg.class_names) == cfg.num_classes and cfg.ignore_index == 255
    assert cfg.max_depth > 0 and len(cfg.crop_size) == 2
    for k in ('data_root_a', 'data_root_b'):
        assert isinstance(cfg[k], str)
    scopes = ('mmseg', 'synthssl') if 'render' in path else ('mmseg', )
    for scope in scopes:
        init_default_scope(scope)
        with DefaultScope.overwrite_default_scope(scope):
            # + carla2kitti's KITTI-2015 depth for the oracle
            for domain in DOMAINS + tuple(k for k in ('domain_b_oracle_train', ) if k in cfg):
                ds_cfg = copy.deepcopy(cfg[domain])
                ds_cfg['data_root'] = _root_for(ds_cfg, domain, tiny_roots)
                crops = [t for t in ds_cfg['pipeline'] if t['type'].endswith('RandomCrop')]
                assert bool(crops) == domain.endswith('train')
                for t in crops:
                    assert tuple(t['crop_size']) == tuple(cfg.crop_size)
                    t['crop_size'] = CROP
                ds = DATASETS.build(ds_cfg)
                assert tuple(ds.metainfo['classes']) == tuple(cfg.class_names)
                np.random.seed(0)  # crops and flips (mmseg draws them from numpy)
                annotated = False
                for _ in range(8):  # a 16x24 crop of KITTI's 34 stripes may hold no class
                    sample = ds[0]
                    data = sample['data_samples']
                    img = sample['inputs']
                    assert img.dtype == torch.uint8 and img.shape[0] == 3
                    if domain.endswith('train'):
                        assert tuple(img.shape[1:]) == CROP
                    sem = data.gt_sem_seg.data
                    depth = data.gt_depth_map.data
                    assert sem.shape == depth.shape == (1, ) + tuple(img.shape[1:])
                    assert depth.dtype == torch.float32 and (depth >= 0).all()
                    labels = set(np.unique(sem.numpy()).tolist())
                    assert labels <= set(range(cfg.num_classes)) | {255}
                    annotated |= bool(labels - {255}) or bool((depth > 0).any())
                # every tiny domain has some labels or some depth (KITTI has one of the two)
                assert annotated, f'{domain}: no class and no depth in 8 samples'
                if 'calib_dir' in ds_cfg and not domain.endswith('train'):
                    # KITTI test images carry their focal for the per-image focal ratio
                    assert data.metainfo['focal_length'] == KITTI_P2[0]
