# Copyright (c) synthssl contributors.
"""NYU Depth v2 normals: the converter (public files -> folder layout) and the reader."""
import importlib.util
import json
import os
import os.path as osp

import numpy as np
import pytest

from helpers import REPO, run_tool
from nyud_testdata import (BACK, FLOOR, INVALID, LEFT, NUM, TEST, TRAIN, H, K, W, expected,
                           room, write_layout, write_public)
from synthssl.datasets import NYUDv2NormalsDataset

TOOL = osp.join(REPO, 'tools', 'dataset_converters', 'nyud_normals.py')
#: the test provider's axes: OpenGL-like, n_opencv = (n_x, -n_y, -n_z)
GL = np.diag([1., -1., -1.])
PIPELINE = [dict(type='synthssl.LoadMultiTaskAnnotations'),
            dict(type='synthssl.PackMultiTaskInputs')]
TOL16 = 2 / 65535 + 1e-6  # 16-bit quantisation of a unit component


def tool():
    spec = importlib.util.spec_from_file_location('nyud_normals_tool', TOOL)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope='module')
def public(tmp_path_factory):
    return write_public(str(tmp_path_factory.mktemp('nyud_public')), GL)


def read_split(root, split):
    ds = NYUDv2NormalsDataset(data_root=root, split=split, pipeline=PIPELINE,
                              test_mode=split == 'test')
    return ds, [ds[i] for i in range(len(ds))]


def test_axes_parsing():
    t = tool()
    M = t.parse_axes('x,-y,-z')
    assert np.array_equal(M, GL) and t.format_axes(M) == 'x,-y,-z'
    P = t.parse_axes('-z,x,y')  # n_cv = (-p_z, p_x, p_y)
    assert np.allclose(P @ np.array([1., 2., 3.]), [-3., 1., 2.])
    assert len({t.format_axes(m) for m in t.signed_permutations()}) == 48
    for bad in ('x,y', 'x,y,w', 'x,x,z'):
        with pytest.raises(ValueError, match='--axes'):
            t.parse_axes(bad)


def test_the_test_room_is_what_it_claims():
    depth, n, plane = room(1)
    assert set(np.unique(plane)) == {0, 1, 2} and (depth > 0).all()
    assert np.array_equal(n[H - 1, W // 2], FLOOR)  # bottom centre: floor
    assert np.array_equal(n[H // 2, W // 2], BACK)  # centre: back wall
    assert np.array_equal(n[H // 2, 0], LEFT)  # left edge: left wall
    # the depth really is that room: normals computed from it agree
    from synthssl.datasets.transforms import depth_to_normals
    dn = depth_to_normals(depth, K)
    inner = (dn ** 2).sum(-1) > 0
    assert np.median((dn * n).sum(-1)[inner]) > 0.999


@pytest.mark.parametrize('normals_key,axes', [('zip', 'auto'), ('pklz', 'x,-y,-z')])
def test_convert_then_read_round_trip(public, tmp_path, normals_key, axes):
    out = str(tmp_path / 'nyud')
    meta = tool().convert(public['mat'], public['splits'], public[normals_key], out, axes=axes,
                          K=(K[0, 0], K[1, 1], K[0, 2], K[1, 2]), progress=False)
    assert meta['provider_to_opencv'] == 'x,-y,-z'
    if axes == 'auto':  # found from the depth maps, clearly ahead of the runner-up
        assert meta['axes_agreement'] > 0.95
        assert meta['axes_agreement'] - meta['axes_runner_up'] > 0.15
    assert meta['counts'] == dict(train=len(TRAIN), test=len(TEST))
    assert json.load(open(osp.join(out, 'meta.json')))['K'] == K.tolist()
    for split, idx in (('train', TRAIN), ('test', TEST)):
        ds, items = read_split(out, split)
        assert len(ds) == len(idx) and ds.metainfo['provider'] == 'ladicky'
        for i, item in zip(idx, items):
            sample = item['data_samples']
            assert sample.img_path.endswith(f'{i:04d}.png')
            img, n_cv = expected(i)
            # images: (H, W) orientation restored from MATLAB's (W, H); loaded as BGR
            assert np.array_equal(item['inputs'].permute(1, 2, 0).numpy(), img[..., ::-1])
            gt = sample.gt_normal.permute(1, 2, 0).numpy()
            assert gt.shape == (H, W, 3)
            # the valid mask survives (all-zero = invalid) and the normals are OpenCV's
            valid = np.abs(gt).sum(-1) > 0
            assert np.array_equal(valid, np.abs(n_cv).sum(-1) > 0)
            assert not valid[INVALID].any() and valid.sum() == H * W - 4 * 6
            assert np.abs(gt - n_cv).max() <= TOL16
            assert np.allclose(gt[H - 1, W // 2], FLOOR, atol=TOL16)  # floor normal points up
            assert np.allclose(sample.K.numpy(), K)


def test_cli_converts_with_progress(public, tmp_path):
    out = str(tmp_path / 'cli')
    proc = run_tool(['python', TOOL, '--normals', public['zip'], '--labeled-mat', public['mat'],
                     '--splits', public['splits'], '--intrinsics', '50', '50', '31.5', '23.5',
                     '--out', out])
    assert 'axes auto: provider -> OpenCV = (x,-y,-z)' in proc.stdout
    assert f'wrote {len(TRAIN)} train + {len(TEST)} test images' in proc.stdout
    assert 'convert' in proc.stderr  # tqdm progress
    assert sorted(os.listdir(osp.join(out, 'normals'))) == [f'{i:04d}.png'
                                                           for i in range(1, NUM + 1)]


def test_bad_inputs_exit_1_naming_the_file(public, tmp_path, capsys):
    main = tool().main
    out = str(tmp_path / 'out')
    common = ['--labeled-mat', public['mat'], '--splits', public['splits'],
              '--intrinsics', '50', '50', '31.5', '23.5', '--out', out]

    def fails(args, *needles):
        with pytest.raises(SystemExit) as exc:
            main(args)
        assert exc.value.code == 1
        err = capsys.readouterr().err
        assert 'error: ' in err
        for needle in needles:
            assert needle in err, err

    missing = str(tmp_path / 'nope.zip')
    fails(['--normals', missing] + common, missing, 'does not exist')
    garbage = tmp_path / 'garbage.mat'
    garbage.write_bytes(b'not a mat file at all')
    fails(['--normals', public['zip'], '--labeled-mat', str(garbage), '--splits',
           public['splits'], '--out', out], str(garbage), 'HDF5')
    fails(['--normals', public['zip'], '--labeled-mat', public['mat'], '--splits', str(garbage),
           '--out', out], str(garbage))
    wrong = tmp_path / 'wrong.npy'
    np.save(wrong, np.zeros((NUM, H, W), np.float32))
    fails(['--normals', str(wrong)] + common, str(wrong), '(N, H, W, 3)')
    # normals that match no axis convention of the depth maps are refused
    noise = tmp_path / 'noise.npy'
    g = np.random.default_rng(0).normal(size=(NUM, H, W, 3))
    np.save(noise, (g / np.linalg.norm(g, axis=-1, keepdims=True)).astype(np.float32))
    fails(['--normals', str(noise)] + common, str(noise), 'no axis mapping agrees')
    fails(['--normals', public['zip'], '--axes', 'x,y'] + common, '--axes')
    assert not osp.exists(osp.join(out, 'meta.json'))


def test_reader_errors_name_the_file(tmp_path):
    root = write_layout(str(tmp_path / 'layout'))
    ds = NYUDv2NormalsDataset(data_root=root, split='train', pipeline=PIPELINE)
    assert [ds.get_data_info(i)['nyu_index'] for i in range(len(ds))] == list(TRAIN)
    assert ds[0]['data_samples'].gt_normal.shape == (3, H, W)
    with pytest.raises(ValueError, match='split must be one of'):
        NYUDv2NormalsDataset(data_root=root, split='val')
    os.remove(osp.join(root, 'normals', f'{TEST[0]:04d}.png'))
    with pytest.raises(FileNotFoundError, match=f'normals/{TEST[0]:04d}.png'):
        NYUDv2NormalsDataset(data_root=root, split='test')
    with open(osp.join(root, 'train.txt'), 'a') as f:
        f.write('abc\n')
    with pytest.raises(ValueError, match=r'train.txt:5: expected a 1-based NYU image index'):
        NYUDv2NormalsDataset(data_root=root, split='train')
    os.remove(osp.join(root, 'meta.json'))
    with pytest.raises(FileNotFoundError, match='meta.json does not exist'):
        NYUDv2NormalsDataset(data_root=root, split='train')
