# Copyright (c) synthssl contributors.
"""tools/dataset_converters/cityscapes_disparity_to_depth.py as a subprocess: values against
the hand formula depth = baseline * fx / ((p - 1) / 256), resume, --overwrite, a bad input
file; the authors' encoding and the other errors through the tool's functions in-process
(each subprocess pays the torch/mmengine import)."""
import importlib.util
import os
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest
from helpers import REPO, run_tool, tool_env
from atdt_testdata import CS_STEM, H, W, write_cityscapes

from synthssl.datasets import CityscapesDepthDataset
from synthssl.datasets.transforms import LoadDepthMap
from synthssl.fileio import BadFileError

TOOL = osp.join('tools', 'dataset_converters', 'cityscapes_disparity_to_depth.py')


def _tool(root, *extra):
    return run_tool([sys.executable, TOOL, root, '--no-progress', *extra])


def test_converter_values_resume_and_reader(tmp_path):
    root = str(tmp_path / 'cs')
    write_cityscapes(root, with_depth=False)
    disp = osp.join(root, 'disparity', 'val', 'aachen', f'{CS_STEM}_disparity.png')
    # hand-picked disparities: p = 0 and 1 invalid; 257 -> d = 1 px -> 400 m (does not fit
    # uint16/256: invalid); 513 -> 200 m; 25601 -> d = 100 -> 4 m; 1025 -> 100 m
    p = np.zeros((H, W), np.uint16)
    p[0, :6] = [0, 1, 257, 513, 25601, 1025]
    assert cv2.imwrite(disp, p)
    proc = _tool(root)
    assert 'converted 4, skipped 0' in proc.stdout
    out = osp.join(root, 'depth', 'val', 'aachen', f'{CS_STEM}_depth.png')
    enc = cv2.imread(out, cv2.IMREAD_UNCHANGED)
    assert enc.dtype == np.uint16 and enc.shape == (H, W)
    np.testing.assert_array_equal(enc[0, :6], [0, 0, 0, 200 * 256, 4 * 256, 100 * 256])
    assert not enc[1:].any()
    # the reader's default Cityscapes encoding reads it back in metres
    ds = CityscapesDepthDataset(data_root=root, split='val')
    d = LoadDepthMap()(ds.get_data_info(0))['gt_depth_map']
    np.testing.assert_allclose(d[0, :6], [0, 0, 0, 200, 4, 100])
    # resume: nothing redone, an edited output survives; --overwrite (2 workers) redoes it
    assert cv2.imwrite(out, np.full((H, W), 7, np.uint16))
    assert 'converted 0, skipped 4' in _tool(root).stdout
    assert (cv2.imread(out, cv2.IMREAD_UNCHANGED) == 7).all()
    assert 'converted 4, skipped 0' in _tool(root, '--overwrite', '--workers', '2').stdout
    np.testing.assert_array_equal(cv2.imread(out, cv2.IMREAD_UNCHANGED), enc)
    assert not [n for n in os.listdir(osp.dirname(out)) if '.tmp' in n]


def _tool_module():
    spec = importlib.util.spec_from_file_location('cs_disparity_to_depth',
                                                  osp.join(REPO, TOOL))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_converter_authors_encoding_in_process(tmp_path):
    """The authors' CARLA RGB encoding: 400 m fits there (< 1000 m)."""
    tool = _tool_module()
    root = str(tmp_path / 'cs')
    write_cityscapes(root, splits=('val', ), with_depth=False)
    disp = osp.join(root, 'disparity', 'val', 'aachen', f'{CS_STEM}_disparity.png')
    p = np.zeros((H, W), np.uint16)
    p[0, :6] = [0, 1, 257, 513, 25601, 1025]
    assert cv2.imwrite(disp, p)
    jobs = tool.find_jobs(root, ['val'], 'depth_carla')
    assert [osp.basename(j['out']) for j in jobs] == [
        f'{CS_STEM}_depth.png', CS_STEM.replace('aachen', 'bochum') + '_depth.png']
    status, valid, total = tool.convert_one(jobs[0], 'carla_rgb', None, False)
    assert (status, valid, total) == ('done', 4, H * W)
    d = LoadDepthMap(encoding='carla_rgb')(dict(depth_map_path=jobs[0]['out']))['gt_depth_map']
    np.testing.assert_allclose(d[0, :6], [0, 0, 400, 200, 4, 100], atol=1e-4)
    assert tool.convert_one(jobs[0], 'carla_rgb', None, False)[0] == 'skipped'
    # --max-depth marks far pixels invalid
    tool.convert_one(jobs[0], 'uint16_256', 150.0, True)
    enc = cv2.imread(jobs[0]['out'], cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(enc[0, :6], [0, 0, 0, 0, 4 * 256, 100 * 256])
    # a bad camera file and a missing split name the file / folder
    cam = osp.join(root, 'camera', 'val', 'aachen', f'{CS_STEM}_camera.json')
    with open(cam, 'w') as f:
        f.write('{"intrinsic": {"fx": 2000}}')
    with pytest.raises(BadFileError, match=f'{CS_STEM}_camera.json.*baseline'):
        tool.convert_one(jobs[0], 'uint16_256', None, True)
    with pytest.raises(FileNotFoundError, match=osp.join('disparity', 'test')):
        tool.find_jobs(root, ['test'], 'depth')


def test_converter_bad_disparity_names_the_file(tmp_path):
    root = str(tmp_path / 'cs')
    write_cityscapes(root, splits=('val', ), with_depth=False)
    bad = osp.join(root, 'disparity', 'val', 'bochum',
                   CS_STEM.replace('aachen', 'bochum') + '_disparity.png')
    assert cv2.imwrite(bad, np.zeros((H, W, 3), np.uint8))  # 8-bit colour, not uint16
    proc = subprocess.run([sys.executable, TOOL, root, '--splits', 'val', '--no-progress'],
                          cwd=REPO, env=tool_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    assert bad in proc.stderr and 'uint16' in proc.stderr and 'Traceback' not in proc.stderr
