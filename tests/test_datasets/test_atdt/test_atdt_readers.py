# Copyright (c) synthssl contributors.
"""AT/DT readers: tiny data in each public layout, decoding against hand-computed values,
label maps, list files, error messages, and alignment through mmseg's pipeline.

The tiny layouts are written by atdt_testdata.py (shared with the config and converter
tests).
"""
import json
import os.path as osp
from typing import Dict

import cv2
import numpy as np
import pytest
from mmengine.registry import init_default_scope

from atdt_testdata import (CS_STEM, KITTI_FB, KITTI_P2, H, W, _write, depth_of, stripes,
                           write_carla, write_cityscapes, write_kitti_scene_flow,
                           write_kitti_semantics, write_kitti_stereo, write_synthia)
from synthssl.datasets import (CARLADataset, CityscapesDepthDataset, KITTIDepthDataset,
                               RenderedSceneSegDataset, SynthiaSFDataset)
from synthssl.datasets.label_maps import CARLA_CLASSES, RENDER_SEG_CLASSES, label_lut
from synthssl.datasets.transforms import (LoadDepthMap, LoadSemanticMap,
                                          RandomGammaBrightnessColor, decode_rgb24,
                                          encode_rgb24, encode_uint16_256)
from synthssl.fileio import BadFileError
from synthssl.render.io import view_path


def load(ds, idx=0) -> Dict:
    """Raw loaded sample (no packing): image, gt_seg_map, gt_depth_map."""
    results = ds.get_data_info(idx)
    img = cv2.imread(results['img_path'])
    results.update(img=img, img_shape=img.shape[:2], ori_shape=img.shape[:2])
    results = LoadSemanticMap()(results)
    return LoadDepthMap()(results)


# --------------------------------------------------------------------------- decoding
def test_carla_rgb_decoding_hand_values(tmp_path):
    rgb = np.zeros((H, W, 3), np.uint8)
    rgb[0, 0] = (10, 20, 1)      # 10 + 20 * 256 + 65536 = 70666
    rgb[0, 1] = (255, 255, 255)  # the far plane
    rgb[0, 2] = (0, 0, 1)        # 65536
    path = _write(str(tmp_path / 'd.png'), rgb[..., ::-1].copy())
    out = LoadDepthMap(encoding='carla_rgb')(dict(depth_map_path=path, seg_fields=[]))
    d = out['gt_depth_map']
    assert d.dtype == np.float32 and d.shape == (H, W)
    assert d[0, 0] == pytest.approx(70666 / 16777215 * 1000, rel=1e-6)  # 4.2120 m
    assert d[0, 1] == pytest.approx(1000.0)
    assert d[0, 2] == pytest.approx(3.90625, abs=1e-5)
    assert d[1, 1] == 0 and out['seg_fields'] == ['gt_depth_map']
    syn = LoadDepthMap(encoding='synthia_sf')(dict(depth_map_path=path))['gt_depth_map']
    assert syn[0, 0] == pytest.approx(5 * d[0, 0], rel=1e-6)
    # round trip of the encoder: within one code step (1000 / 2^24 m)
    depth = np.linspace(0.5, 999.0, H * W).reshape(H, W)
    assert np.abs(decode_rgb24(encode_rgb24(depth, 1000.0), 1000.0) - depth).max() < 1e-4


def test_uint16_and_float_encodings(tmp_path):
    p = _write(str(tmp_path / 'a.png'), np.array([[0, 256, 1000, 65535]], np.uint16))
    mm = LoadDepthMap(encoding='uint16_mm')(dict(depth_map_path=p))['gt_depth_map']
    np.testing.assert_allclose(mm, [[0, 0.256, 1.0, 65.535]], rtol=1e-6)
    read = LoadDepthMap(encoding='uint16_256')(dict(depth_map_path=p))['gt_depth_map']
    np.testing.assert_allclose(read, [[0, 1.0, 3.90625, 255.99609375]], rtol=1e-6)
    np.testing.assert_array_equal(encode_uint16_256(np.array([0, 1.0, 300.0, np.nan, -2])),
                                  [0, 256, 0, 0, 0])  # >= 256 m does not fit: invalid
    npy = str(tmp_path / 'd.npy')
    np.save(npy, np.array([[1.5, np.inf, -1.0, 0.0]]))
    np.testing.assert_array_equal(
        LoadDepthMap(encoding='float_npy')(dict(depth_map_path=npy))['gt_depth_map'],
        [[1.5, 0, 0, 0]])


def test_depth_errors_name_the_file(tmp_path):
    gray = _write(str(tmp_path / 'gray.png'), np.zeros((H, W), np.uint8))
    with pytest.raises(BadFileError, match='gray.png.*carla_rgb.*3 channel'):
        LoadDepthMap(encoding='carla_rgb')(dict(depth_map_path=gray))
    with pytest.raises(BadFileError, match='gray.png.*uint16'):
        LoadDepthMap(encoding='uint16_256')(dict(depth_map_path=gray))
    with pytest.raises(FileNotFoundError, match='nope.png'):
        LoadDepthMap(encoding='uint16_mm')(dict(depth_map_path=str(tmp_path / 'nope.png')))
    small = _write(str(tmp_path / 'small.png'), np.zeros((H // 2, W), np.uint16))
    with pytest.raises(BadFileError, match='small.png.*64x16.*img.png is 64x32'):
        LoadDepthMap(encoding='uint16_mm')(dict(depth_map_path=small, img_path='img.png',
                                                img=np.zeros((H, W, 3), np.uint8)))
    with pytest.raises(ValueError, match='gray.png.*no depth encoding'):
        LoadDepthMap()(dict(depth_map_path=gray))
    with pytest.raises(ValueError, match='focal_baseline'):
        LoadDepthMap(encoding='disparity')(dict(depth_map_path=small))
    with pytest.raises(ValueError, match='unknown depth encoding'):
        LoadDepthMap(encoding='exr')
    # no depth file: an all-invalid map of the image's size
    out = LoadDepthMap()(dict(depth_map_path=None, img=np.zeros((H, W, 3), np.uint8)))
    assert out['gt_depth_map'].shape == (H, W) and not out['gt_depth_map'].any()


# --------------------------------------------------------------------------- label sets
def test_carla_label_set_and_cityscapes_map():
    assert CARLA_CLASSES == ('road', 'sidewalk', 'wall', 'fence', 'person', 'pole',
                             'vegetation', 'car', 'traffic sign', 'building', 'sky')
    lut = label_lut('cityscapes_trainid')
    # trainIds 0..18: road sidewalk building wall fence pole light sign vegetation terrain sky
    # person rider car truck bus train motorcycle bicycle (the authors' table, reference §2.5)
    np.testing.assert_array_equal(
        lut[:20], [0, 1, 9, 2, 3, 5, 8, 8, 6, 255, 10, 4, 255, 7, 255, 255, 255, 7, 255, 255])
    assert lut[255] == 255
    ids = label_lut('cityscapes_id')
    assert (ids[7], ids[8], ids[26], ids[32], ids[23], ids[22], ids[0]) == (0, 1, 7, 7, 10, 255,
                                                                             255)


def test_carla_reader(tmp_path):
    meta = write_carla(str(tmp_path / 'carla'))
    ds = CARLADataset(data_root=meta['root'])
    assert len(ds) == meta['n'] and ds.metainfo['classes'] == CARLA_CLASSES
    info = ds.get_data_info(0)
    assert info['depth_encoding'] == 'carla_rgb' and info['label_mapping'] == 'carla11'
    assert info['seg_map_path'].endswith(osp.join('MyCamera_L', 'Semantic', '000000.png'))
    out = load(ds)
    ids = stripes(13, shift=0)
    np.testing.assert_array_equal(out['gt_seg_map'], np.where(ids < 11, ids, 255))
    np.testing.assert_allclose(out['gt_depth_map'], depth_of(ids), atol=1e-4)
    assert len(CARLADataset(data_root=meta['root'], episodes=['episode_0001'])) == 2


def test_synthia_sf_reader(tmp_path):
    meta = write_synthia(str(tmp_path / 'SYNTHIA-SF'), sequences=(1, 2, 10))
    ds = SynthiaSFDataset(data_root=meta['root'])
    assert len(ds) == 6
    assert [ds.get_data_info(i)['sequence'] for i in range(0, 6, 2)] == ['SEQ1', 'SEQ2', 'SEQ10']
    ds1 = SynthiaSFDataset(data_root=meta['root'], sequences=(2, ))
    out = load(ds1, 1)  # SEQ2, frame 1: stripes shifted by 3
    ids = stripes(23, shift=3)
    # R-channel ids -> CARLA: road 1->0, building 3->9, car 14 & motorcycle 18->7, road lines
    # 20->0, terrain 10 / rider 13 / void 0 -> 255
    expected = label_lut('synthia_sf')[ids]
    np.testing.assert_array_equal(out['gt_seg_map'], expected)
    assert expected[0, 4 * ((14 - 3) % 23)] == 7 and expected[0, 4 * ((10 - 3) % 23)] == 255
    np.testing.assert_allclose(out['gt_depth_map'], depth_of(ids), atol=2e-3)
    with pytest.raises(FileNotFoundError, match='SEQ7.*RGBLeft'):
        SynthiaSFDataset(data_root=meta['root'], sequences=(7, ))


def test_cityscapes_reader_converted_and_disparity(tmp_path):
    meta = write_cityscapes(str(tmp_path / 'cityscapes'))
    ds = CityscapesDepthDataset(data_root=meta['root'], split='val')
    assert len(ds) == 2 and ds.get_data_info(0)['stem'] == CS_STEM
    out = load(ds)
    train_ids = stripes(20)
    train_ids[train_ids == 19] = 255
    np.testing.assert_array_equal(out['gt_seg_map'], label_lut('cityscapes_trainid')[train_ids])
    # the same labels from the labelIds files
    ds_ids = CityscapesDepthDataset(data_root=meta['root'], split='val',
                                    seg_suffix='_gtFine_labelIds.png',
                                    label_mapping='cityscapes_id')
    np.testing.assert_array_equal(load(ds_ids)['gt_seg_map'], out['gt_seg_map'])
    # depth on the fly from disparity: 400 / d, with d = (p - 1) / 256; p = 0 invalid
    ds_disp = CityscapesDepthDataset(data_root=meta['root'], split='val',
                                     depth_encoding='disparity')
    info = ds_disp.get_data_info(0)
    assert info['focal_baseline'] == pytest.approx(400.0) and info['disparity_offset'] == 1
    assert info['depth_map_path'].endswith(f'{CS_STEM}_disparity.png')
    d = load(ds_disp)['gt_depth_map']
    p = cv2.imread(info['depth_map_path'], cv2.IMREAD_UNCHANGED).astype(np.float64)
    np.testing.assert_allclose(d[:, 2:], 400.0 / ((p[:, 2:] - 1) / 256.0), rtol=1e-6)
    assert not d[:, :2].any()
    np.testing.assert_allclose(d[:, 2:], depth_of(train_ids % 20)[:, 2:], rtol=2e-2)
    np.testing.assert_allclose(out['gt_depth_map'], d, atol=2e-3)  # converted == on the fly


def test_kitti_reader(tmp_path):
    sem = write_kitti_semantics(str(tmp_path / 'sem'))
    ds = KITTIDepthDataset(data_root=sem['root'], seg_dir='semantic')
    out = load(ds, 1)
    ids = stripes(34, shift=1)
    np.testing.assert_array_equal(out['gt_seg_map'], label_lut('cityscapes_id')[ids])
    np.testing.assert_allclose(out['gt_depth_map'], depth_of(ids), atol=1 / 256)
    # semantics only: depth all invalid; depth only: labels all ignored
    no_depth = load(KITTIDepthDataset(data_root=sem['root'], seg_dir='semantic', depth_dir=None))
    assert not no_depth['gt_depth_map'].any()
    assert (load(KITTIDepthDataset(data_root=sem['root']))['gt_seg_map'] == 255).all()
    stereo = write_kitti_stereo(str(tmp_path / 'stereo'))
    ds = KITTIDepthDataset(data_root=stereo['root'], img_dir='colored_0', depth_dir='disp_occ',
                           depth_encoding='disparity', calib_dir='calib')
    assert ds.get_data_info(0)['focal_baseline'] == pytest.approx(KITTI_FB)
    assert ds.get_data_info(1)['focal_length'] == KITTI_P2[0]  # fx, for the focal ratio
    d = load(ds)['gt_depth_map']
    assert not d[0].any()
    np.testing.assert_allclose(d[1:], depth_of(stripes(10))[1:], rtol=2e-3)
    with pytest.raises(ValueError, match='calib_dir'):
        KITTIDepthDataset(data_root=stereo['root'], depth_encoding='disparity')
    assert 'focal_length' not in KITTIDepthDataset(data_root=sem['root']).get_data_info(0)
    # KITTI 2015 stereo (the carla2kitti oracle's depth): calib_cam_to_cam P_rect_02/03
    sf = write_kitti_scene_flow(str(tmp_path / 'kitti'))
    ds = KITTIDepthDataset(data_root=sf['root'], img_dir='data_scene_flow/training/image_2',
                           depth_dir='data_scene_flow/training/disp_occ_0',
                           depth_encoding='disparity',
                           calib_dir='data_scene_flow_calib/training/calib_cam_to_cam')
    info = ds.get_data_info(1)
    assert info['focal_baseline'] == pytest.approx(KITTI_FB)
    assert info['focal_length'] == KITTI_P2[0]
    np.testing.assert_allclose(load(ds, 1)['gt_depth_map'], depth_of(stripes(10, shift=1)),
                               rtol=2e-3)


def test_authors_list_files(tmp_path):
    meta = write_carla(str(tmp_path / 'carla'))
    lst = tmp_path / 'carla' / 'train.txt'
    lst.write_text('episode_0000/MyCamera_L/000001.png; episode_0000/MyCamera_R/000001.png; '
                   'episode_0000/MyCamera_L/Semantic/000001.png; '
                   'episode_0000/MyCamera_L/Depth/000001.png\n\n'
                   'episode_0001/MyCamera_L/000000.png;_;_;episode_0001/MyCamera_L/Depth/'
                   '000000.png;episode_0001/MyCamera_L/Normals/000000.png\n')
    ds = CARLADataset(data_root=meta['root'], ann_file='train.txt')
    assert len(ds) == 2
    a, b = ds.get_data_info(0), ds.get_data_info(1)
    assert a['right_img_path'].endswith('MyCamera_R/000001.png')  # kept, not checked
    assert b['seg_map_path'] is None and b['normal_path'].endswith('000000.png')
    np.testing.assert_array_equal(load(ds, 0)['gt_seg_map'],
                                  label_lut('carla11')[stripes(13, shift=1)])
    assert (load(ds, 1)['gt_seg_map'] == 255).all()
    bad = tmp_path / 'carla' / 'bad.txt'
    bad.write_text('a.png;b.png;c.png\n')
    with pytest.raises(ValueError, match=r'bad.txt:1: expected "rgb;right;semantic;depth'):
        CARLADataset(data_root=meta['root'], ann_file='bad.txt')
    missing = tmp_path / 'carla' / 'missing.txt'
    missing.write_text('episode_0000/MyCamera_L/000009.png;_;_;_\n')
    with pytest.raises(FileNotFoundError, match='000009.png: img_path.*missing.txt'):
        CARLADataset(data_root=meta['root'], ann_file='missing.txt')
    # Cityscapes through a list file, with the authors' depth encoding
    cs = write_cityscapes(str(tmp_path / 'cs'), splits=('val', ))
    (tmp_path / 'cs' / 'l.txt').write_text(
        f'leftImg8bit/val/aachen/{CS_STEM}_leftImg8bit.png;_;'
        f'gtFine/val/aachen/{CS_STEM}_gtFine_labelTrainIds.png;depth/val/aachen/'
        f'{CS_STEM}_depth.png\n')
    ds = CityscapesDepthDataset(data_root=cs['root'], ann_file='l.txt')
    assert len(ds) == 1 and ds.get_data_info(0)['depth_encoding'] == 'uint16_256'


def test_rendered_reader(tmp_path):
    from synthssl.render import render_dataset
    root = str(tmp_path / 'render')
    render_dataset(root, num_scenes=1, views_per_scene=2, width=48, height=32, seed=3,
                   workers=1, progress=False)
    ds = RenderedSceneSegDataset(data_root=root)
    assert len(ds) == 2 and ds.metainfo['classes'] == RENDER_SEG_CLASSES
    assert RENDER_SEG_CLASSES[0] == 'floor' and len(RENDER_SEG_CLASSES) == 10
    out = load(ds, 1)
    info = ds.get_data_info(1)
    raw = cv2.imread(info['seg_map_path'], cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(out['gt_seg_map'], np.where(raw == 0, 255, raw - 1))
    mm = cv2.imread(info['depth_map_path'], cv2.IMREAD_UNCHANGED)
    np.testing.assert_allclose(out['gt_depth_map'], mm / 1000.0, rtol=1e-6)
    assert out['gt_depth_map'].max() < 10.0 and (out['gt_depth_map'] > 0).mean() > 0.9
    with open(view_path(root, info['view'], 'camera')) as f:
        assert info['focal_length'] == json.load(f)['K'][0][0] > 0  # the view's fx
    with open(osp.join(root, 'meta.json')) as f:
        meta = json.load(f)
    meta['classes'] = ['void', 'road']
    with open(osp.join(root, 'meta.json'), 'w') as f:
        json.dump(meta, f)
    with pytest.raises(BadFileError, match='meta.json: classes'):
        RenderedSceneSegDataset(data_root=root)


# --------------------------------------------------------------------------- transforms
def test_semantic_loading_errors_and_label_map(tmp_path):
    rgb = _write(str(tmp_path / 'rgb.png'), np.zeros((H, W, 3), np.uint8))
    with pytest.raises(BadFileError, match='rgb.png.*semantic id map.*1 channel'):
        LoadSemanticMap(label_mapping='carla11')(dict(seg_map_path=rgb))
    gray = _write(str(tmp_path / 'gray.png'), stripes(13))
    with pytest.raises(BadFileError, match='gray.png.*3 or 4 channels'):
        LoadSemanticMap(seg_channel='R')(dict(seg_map_path=gray))
    with pytest.raises(KeyError, match='unknown label mapping'):
        LoadSemanticMap(label_mapping='ade20k')
    # mmseg's label_map (custom class subsets) applies after the mapping
    out = LoadSemanticMap(label_mapping='carla11')(dict(seg_map_path=gray,
                                                        label_map={0: 255, 1: 0}))
    ids = stripes(13)
    expected = np.where(ids < 11, ids, 255)
    expected = np.where(expected == 0, 255, np.where(expected == 1, 0, expected))
    np.testing.assert_array_equal(out['gt_seg_map'], expected)
    assert out['seg_fields'] == ['gt_seg_map'] and out['gt_seg_map'].dtype == np.uint8


def test_photometric_hand_values():
    img = np.array([[[0, 128, 255]]], np.uint8)
    t = RandomGammaBrightnessColor(prob=1.0, gamma_range=(2, 2), brightness_range=(1.5, 1.5),
                                   color_range=(1, 1))
    out = t(dict(img=img.copy()))['img']
    # (x / 255) ** 2 * 1.5 clipped: 0 -> 0; 128 -> 0.25196 * 1.5 * 255 = 96.38; 255 -> 255
    np.testing.assert_array_equal(out, [[[0, 96, 255]]])
    assert out.dtype == np.uint8
    assert (RandomGammaBrightnessColor(prob=0.0)(dict(img=img.copy()))['img'] == img).all()
    np.random.seed(0)
    outs = [RandomGammaBrightnessColor()(dict(img=np.full((2, 2, 3), 100, np.uint8)))
            for _ in range(40)]
    changed = sum('photometric' in o for o in outs)
    assert 10 < changed < 30  # p = 0.5
    for o in outs:
        if 'photometric' in o:
            f = o['photometric']
            assert 0.8 <= f['gamma'] <= 1.2 and 0.5 <= f['brightness'] <= 2.0
            assert all(0.8 <= c <= 1.2 for c in f['color'])


def test_crop_flip_keep_semantics_depth_and_image_aligned(tmp_path):
    """Through mmseg's RandomCrop / RandomFlip / PackSegInputs the three maps stay aligned:
    depth is 2 + 3 * id and the image's R channel is 7 * id at every pixel."""
    from mmengine.dataset import Compose
    init_default_scope('mmseg')
    meta = write_carla(str(tmp_path / 'carla'))
    pipeline = [dict(type='LoadImageFromFile'), dict(type='synthssl.LoadSemanticMap'),
                dict(type='synthssl.LoadDepthMap'),
                dict(type='mmseg.RandomCrop', crop_size=(16, 24)),
                dict(type='mmseg.RandomFlip', prob=0.5),
                dict(type='mmseg.PackSegInputs')]
    ds = CARLADataset(data_root=meta['root'], label_mapping='none', pipeline=pipeline)
    np.random.seed(1)
    flips = set()
    for i in range(12):
        s = ds[i % len(ds)]
        ds_ = s['data_samples']
        sem = ds_.gt_sem_seg.data[0].numpy()
        depth = ds_.gt_depth_map.data[0].numpy()
        img = s['inputs'].numpy()  # (3, H, W) BGR
        assert sem.shape == depth.shape == img.shape[1:] == (16, 24)
        np.testing.assert_allclose(depth, depth_of(sem), atol=1e-4)
        np.testing.assert_array_equal(img[2], sem * 7)
        flips.add(ds_.flip)
    assert flips == {True, False}
    # the flip reverses the stripes: with prob=1 the sample is the mirror of prob=0
    p0 = Compose([dict(type='LoadImageFromFile'), dict(type='synthssl.LoadSemanticMap'),
                  dict(type='synthssl.LoadDepthMap'), dict(type='mmseg.RandomFlip', prob=0.0)])
    p1 = Compose([dict(type='LoadImageFromFile'), dict(type='synthssl.LoadSemanticMap'),
                  dict(type='synthssl.LoadDepthMap'), dict(type='mmseg.RandomFlip', prob=1.0)])
    a, b = p0(ds.get_data_info(0)), p1(ds.get_data_info(0))
    np.testing.assert_array_equal(a['gt_depth_map'][:, ::-1], b['gt_depth_map'])
    np.testing.assert_array_equal(a['gt_seg_map'][:, ::-1], b['gt_seg_map'])
    np.testing.assert_array_equal(a['img'][:, ::-1], b['img'])
