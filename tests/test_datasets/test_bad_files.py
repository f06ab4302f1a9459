# Copyright (c) synthssl contributors.
"""Unusable files fail loudly, and the message names the file."""
import os
import re

import cv2
import numpy as np
import pytest

from datasets_testdata import syn_path
from synthssl.datasets import PBRSDataset, SyntheticMultiTaskDataset
from synthssl.datasets.transforms import LoadMultiTaskAnnotations
from synthssl.fileio import BadFileError

LOAD = [dict(type='synthssl.LoadMultiTaskAnnotations')]


def _syn(root, **kw):
    return SyntheticMultiTaskDataset(root, pipeline=LOAD, test_mode=True, **kw)


def test_truncated_png(syn_root):
    path = syn_path(syn_root['root'], syn_root['views'][0], 'depth')
    data = open(path, 'rb').read()
    with open(path, 'wb') as f:
        f.write(data[:len(data) // 2])
    with pytest.raises(BadFileError, match=re.escape(path) + '.*truncated or corrupt'):
        _syn(syn_root['root'])[0]


def test_depth_of_wrong_dtype(syn_root):
    path = syn_path(syn_root['root'], syn_root['views'][1], 'depth')
    cv2.imwrite(path, np.full((24, 32), 100, np.uint8))
    with pytest.raises(BadFileError, match=re.escape(path) + '.*uint16.*got uint8'):
        _syn(syn_root['root'])[1]


def test_rgb_depth_size_mismatch(syn_root):
    path = syn_path(syn_root['root'], syn_root['views'][2], 'depth')
    assert cv2.imwrite(path, np.full((12, 16), 1000, np.uint16))  # 1 m, the wrong size
    with pytest.raises(BadFileError, match=re.escape(path) + '.*16x12.*32x24'):
        _syn(syn_root['root'])[2]


def test_normal_of_wrong_channels(pbrs_root):
    path = os.path.join(pbrs_root['root'], 'normal', 'h1', '000000_norm_camera.png')
    cv2.imwrite(path, np.zeros((24, 32), np.uint16))
    ds = PBRSDataset(pbrs_root['root'], pipeline=LOAD, test_mode=True)
    with pytest.raises(BadFileError, match=re.escape(path) + '.*3 channel'):
        ds[0]


def test_missing_file_at_init_and_at_load(syn_root):
    path = syn_path(syn_root['root'], syn_root['views'][3], 'normal')
    os.remove(path)
    with pytest.raises(FileNotFoundError, match=re.escape(path)):
        _syn(syn_root['root'])
    ds = _syn(syn_root['root'], check_files=False)
    with pytest.raises(FileNotFoundError, match=re.escape(path) + ': file does not exist'):
        ds[3]


def test_missing_manifest_and_meta(syn_root, tmp_path):
    manifest = os.path.join(syn_root['root'], 'manifest.jsonl')
    os.remove(manifest)
    with pytest.raises(FileNotFoundError, match=re.escape(manifest)):
        _syn(syn_root['root'])
    empty = tmp_path / 'empty'
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match=re.escape(str(empty / 'meta.json'))):
        _syn(str(empty))


def test_bad_manifest_line(syn_root):
    manifest = os.path.join(syn_root['root'], 'manifest.jsonl')
    with open(manifest, 'a') as f:
        f.write('{"scene_seed": 3}\n')
    with pytest.raises(ValueError, match=re.escape(manifest) + ':5:'):
        _syn(syn_root['root'])


def test_missing_image_in_loader(tmp_path):
    path = str(tmp_path / 'nope.png')
    with pytest.raises(FileNotFoundError, match=re.escape(path)):
        LoadMultiTaskAnnotations()(dict(img_path=path))
