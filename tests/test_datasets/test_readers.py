# Copyright (c) synthssl contributors.
"""The three synthetic layouts, read through an mmengine DataLoader into packed batches."""
import math
import os.path as osp

import numpy as np
import pytest
import torch
from datasets_testdata import H, K_SYN, W, plane_depth, position_rgb
from mmengine.runner import Runner

from synthssl.datasets import (PBRSDataset, SceneNetRGBDDataset, SyntheticMultiTaskDataset,
                               scenenet_intrinsics)


def _loader(dataset_cfg, batch_size=2):
    return Runner.build_dataloader(
        dict(batch_size=batch_size, num_workers=0,
             sampler=dict(type='DefaultSampler', shuffle=False),
             collate_fn=dict(type='pseudo_collate'), dataset=dataset_cfg), seed=0)


def _angle_deg(a, b):
    return np.degrees(np.arccos(np.clip(np.sum(a * b, axis=-1), -1, 1)))


def test_synthetic_layout_dataloader(syn_root):
    pipeline = [
        dict(type='synthssl.LoadMultiTaskAnnotations'),
        dict(type='synthssl.InstanceToContour'),
        dict(type='synthssl.MultiTaskResize', scale=(40, 30)),
        dict(type='synthssl.MultiTaskRandomCrop', crop_size=(20, 28)),
        dict(type='synthssl.MultiTaskRandomFlip', prob=0.5),
        dict(type='synthssl.PackMultiTaskInputs'),
    ]
    cfg = dict(type='synthssl.SyntheticMultiTaskDataset', data_root=syn_root['root'],
               pipeline=pipeline)
    loader = _loader(cfg)
    ds = loader.dataset
    assert len(ds) == 4
    assert ds.metainfo['classes'][0] == 'floor'
    info = ds.get_data_info(0)
    assert set(info['tasks']) == {'depth', 'normal', 'instance', 'semantic'}
    assert info['img_path'].endswith(osp.join('scenes', 'scene000', 'rgb', '0000.png'))
    n_seen = 0
    for batch in loader:
        assert len(batch['inputs']) == 2
        for img, s in zip(batch['inputs'], batch['data_samples']):
            assert img.shape == (3, 20, 28) and img.dtype == torch.uint8
            assert s.gt_depth.shape == (1, 20, 28) and s.gt_depth.dtype == torch.float32
            assert s.gt_normal.shape == (3, 20, 28) and s.gt_normal.dtype == torch.float32
            assert s.gt_instance.dtype == torch.int64 and s.gt_semantic.dtype == torch.int64
            assert s.gt_contour.shape == (1, 20, 28)
            assert set(torch.unique(s.gt_contour).tolist()) <= {0.0, 1.0}
            assert s.img_shape == (20, 28) and s.ori_shape == (H, W)
            assert s.K.shape == (3, 3)
            assert set(s.tasks) == {'depth', 'normal', 'instance', 'semantic', 'contour'}
            # The file normals survive loading (x negated iff flipped).
            n = s.gt_normal.permute(1, 2, 0).numpy()
            expect = syn_root['normal'] * (np.array([-1, 1, 1]) if s.flip else 1)
            assert np.all(_angle_deg(n, expect) < 0.1)
            # Depth stays consistent with the (updated) intrinsics: the plane is recovered.
            K = s.K.double().numpy()
            d = s.gt_depth[0].double().numpy()
            u, v = np.meshgrid(np.arange(28), np.arange(20))
            pts = np.stack([(u - K[0, 2]) / K[0, 0] * d, (v - K[1, 2]) / K[1, 1] * d, d], -1)
            n_plane = syn_root['normal'] * (np.array([-1, 1, 1]) if s.flip else 1)
            # all points satisfy n . p = -2 up to nearest-resampling (<= 1 source pixel)
            assert np.median(np.abs(pts @ n_plane + 2.0)) < 0.05
            n_seen += 1
    assert n_seen == 4


def test_synthetic_intrinsics_from_camera_and_meta(syn_root):
    ds = SyntheticMultiTaskDataset(syn_root['root'], tasks=['depth'],
                                   pipeline=[dict(type='synthssl.LoadMultiTaskAnnotations')])
    r = ds[1]
    # BGR by default (mmcv/mmpretrain convention): the last channel is red, which encodes x.
    np.testing.assert_array_equal(r['img'][..., 2], position_rgb(1)[..., 0])
    np.testing.assert_array_equal(r['img'][..., 0], position_rgb(1)[..., 2])
    np.testing.assert_allclose(r['K'], K_SYN)
    assert r['tasks'] == ('depth', ) and 'gt_normal' not in r
    np.testing.assert_allclose(r['gt_depth'], plane_depth(K_SYN), atol=6e-4)


def test_scenenet_dataloader_ray_depth_and_normals(scenenet_root):
    pipeline = [
        dict(type='synthssl.LoadMultiTaskAnnotations', channel_order='rgb'),
        dict(type='synthssl.DepthToNormal'),
        dict(type='synthssl.InstanceToContour'),
        dict(type='synthssl.PackMultiTaskInputs'),
    ]
    loader = _loader(dict(type='synthssl.SceneNetRGBDDataset', data_root=scenenet_root['root'],
                          pipeline=pipeline), batch_size=4)
    assert len(loader.dataset) == 4
    batch = next(iter(loader))
    s = batch['data_samples'][0]
    assert batch['inputs'][0].shape == (3, H, W)
    # JPEG photo, RGB order requested: R encodes x.
    r = batch['inputs'][0][0].float()
    assert abs(r[5, 30].item() - 240) < 12 and abs(r[5, 1].item() - 8) < 12
    # K was rescaled from SceneNet's 320x240 to the 32x24 files.
    K320 = scenenet_intrinsics()
    assert K320[0, 0] == pytest.approx(160 / math.tan(math.radians(30)))
    assert K320[1, 1] == pytest.approx(120 / math.tan(math.radians(22.5)))
    K = s.K.double().numpy()
    assert K[0, 0] == pytest.approx(K320[0, 0] / 10, rel=1e-5)
    assert K[0, 2] == pytest.approx(15.5, abs=1e-4)
    # Ray-length 2.5 m everywhere -> z = 2.5 / |ray|: a sphere around the camera.
    d = s.gt_depth[0].double().numpy()
    u, v = np.meshgrid(np.arange(W), np.arange(H))
    ray = np.sqrt(((u - K[0, 2]) / K[0, 0]) ** 2 + ((v - K[1, 2]) / K[1, 1]) ** 2 + 1)
    np.testing.assert_allclose(d * ray, 2.5, atol=1e-5)
    assert d[0, 0] < d[12, 16] - 0.2
    # Normals of that sphere point back along the ray (derived from depth, no file).
    n = s.gt_normal.permute(1, 2, 0).double().numpy()
    pts = np.stack([(u - K[0, 2]) / K[0, 0] * d, (v - K[1, 2]) / K[1, 1] * d, d], -1)
    expect = -pts / np.linalg.norm(pts, axis=-1, keepdims=True)
    assert np.median(_angle_deg(n, expect)) < 2.0
    assert 'gt_instance' in s and s.gt_contour.sum() > 0


def test_scenenet_list_file(scenenet_root, tmp_path):
    lst = tmp_path / 'train_list.txt'
    lst.write_text('suncg h1/000000\nscenenet train/0/12 25\nscenenet train/0/11 0\n')
    ds = SceneNetRGBDDataset(scenenet_root['root'], ann_file=str(lst), check_files=True)
    assert len(ds) == 2
    assert ds.get_data_info(0)['img_path'] == osp.join(scenenet_root['root'], 'train', '0',
                                                       '12', 'photo', '25.jpg')
    assert ds.get_data_info(0)['depth_type'] == 'ray'
    bad = tmp_path / 'bad_list.txt'
    bad.write_text('scenenet train/0/99 7\n')
    with pytest.raises(FileNotFoundError, match=r'train/0/99/photo/7\.jpg'):
        SceneNetRGBDDataset(scenenet_root['root'], ann_file=str(bad), check_files=True)


def test_pbrs_full_dataloader(pbrs_root):
    pipeline = [dict(type='synthssl.LoadMultiTaskAnnotations'),
                dict(type='synthssl.PackMultiTaskInputs')]
    loader = _loader(dict(type='synthssl.PBRSDataset', data_root=pbrs_root['root'],
                          pipeline=pipeline), batch_size=3)
    ds = loader.dataset
    assert [(i['house'], i['view']) for i in (ds.get_data_info(k) for k in range(3))] == \
        pbrs_root['views']
    # The node file is optional: present for two views only.
    assert [('instance' in ds.get_data_info(k)['tasks']) for k in range(3)] == \
        [True, True, False]
    batch = next(iter(loader))
    for s in batch['data_samples']:
        n = s.gt_normal.permute(1, 2, 0).numpy()
        assert np.all(n[0, 0] == 0)  # the invalid PBRS pixel
        assert np.all(_angle_deg(n[1:], pbrs_root['normal_opencv']) < 0.1)
        np.testing.assert_allclose(s.gt_depth.numpy(), 1.8)
        # 517.97 at 640x480, rescaled to the 32x24 files.
        assert s.K[0, 0].item() == pytest.approx(517.97 / 20, rel=1e-5)
    assert 'gt_instance' in batch['data_samples'][0]
    assert 'gt_instance' not in batch['data_samples'][2]


def test_pbrs_256_variant_and_list(pbrs_root, tmp_path):
    lst = tmp_path / 'list.txt'
    lst.write_text('scenenet train/0/11 0\nsuncg h2/000000\nsuncg h1/000001\n')
    ds = PBRSDataset(pbrs_root['root'], ann_file=str(lst), variant='256', check_files=True,
                     pipeline=[dict(type='synthssl.LoadMultiTaskAnnotations'),
                               dict(type='synthssl.InstanceToContour')])
    assert len(ds) == 2 and ds.get_data_info(0)['img_path'].endswith('h2/000000_256.png')
    r = ds[0]
    assert r['tasks'] == ('depth', 'normal', 'contour')
    # The precomputed edge map is kept (no instance map in this variant).
    assert r['gt_contour'].sum() == W and np.all(r['gt_contour'][5] == 1)
    # 8-bit normals decoded /127.5 - 1 and converted to OpenCV axes.
    assert np.all(_angle_deg(r['gt_normal'], pbrs_root['normal_opencv']) < 1.0)
