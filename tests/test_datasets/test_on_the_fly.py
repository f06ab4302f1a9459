# Copyright (c) synthssl contributors.
"""OnTheFlySyntheticDataset: seeding, epochs, parity with disk renders, workers."""
import json
import os
import pickle
import sys

import cv2
import numpy as np
import pytest
import torch

from helpers import run_tool
from synthssl.datasets import (OnTheFlySyntheticDataset, SynRealPairDataset,
                               SyntheticMultiTaskDataset)
from synthssl.render.scene import CLASSES, SceneConfig
from synthssl.render.writer import render_dataset, scene_seed

S = 32
SCENE = dict(num_objects=[2, 4])
PIPE = [dict(type='synthssl.MultiTaskResize', scale=(24, 20)),
        dict(type='synthssl.InstanceToContour'),
        dict(type='synthssl.PackMultiTaskInputs')]
MAPS = ('img', 'gt_depth', 'gt_normal', 'gt_instance', 'gt_semantic')


def _ds(**kw):
    args = dict(num_views=4, width=S, seed=5, scene_cfg=SCENE)
    args.update(kw)
    return OnTheFlySyntheticDataset(**args)


@pytest.fixture(scope='module')
def gl():
    """The process's renderer. No EGL / Mesa is an error, not a skip: tools/setup/install.sh
    provides them (or stops), and the RuntimeError names what is missing."""
    from synthssl.datasets.on_the_fly import process_renderer
    process_renderer(S, S, True)


def _same(a, b):
    return all(np.array_equal(a[k], b[k]) for k in MAPS)


def test_deterministic_new_views_per_epoch_distinct_within_epoch(gl):
    a, b = _ds(), _ds()
    assert len(a) == 4 and a.metainfo['classes'] == CLASSES
    epoch0 = [a[i] for i in range(4)]
    epoch1 = [a[4 + i] for i in range(4)]  # epoch-encoded indices
    for i in (0, 3):
        assert _same(epoch0[i], b[i]) and _same(epoch1[i], b[4 + i])
    assert _same(a[2 * 4 + 1], b[2 * 4 + 1])
    views = epoch0 + epoch1
    for x in range(8):
        for y in range(x + 1, 8):
            assert not np.array_equal(views[x]['img'], views[y]['img']), (x, y)
    assert {r['epoch'] for r in epoch1} == {1} and [r['sample_idx'] for r in epoch1] == [0, 1, 2, 3]
    # plain indices fall back to set_epoch
    b.set_epoch(1)
    assert _same(b[2], epoch1[2]) and b.get_data_info(2) == a.get_data_info(4 + 2)
    assert not _same(_ds(seed=6)[0], epoch0[0])
    with pytest.raises(IndexError, match='negative'):
        a[-1]


def test_results_keys_dtypes_and_views_per_scene(gl):
    ds = _ds(views_per_scene=2, num_views=3)
    infos = [ds.get_data_info(i) for i in range(6)]  # epochs 0 and 1: global views 0..5
    assert [(d['scene'], d['view_index']) for d in infos] == [(0, 0), (0, 1), (1, 0), (1, 1),
                                                             (2, 0), (2, 1)]
    assert infos[1]['scene_seed'] == scene_seed(5, 0) and infos[3]['img_path'].startswith(
        'on-the-fly://seed5/000001/0001')
    r0, r1 = ds[0], ds[1]
    assert not np.allclose(r0['cam_to_world'], r1['cam_to_world'])  # same room, new camera
    assert r0['img'].shape == (S, S, 3) and r0['img'].dtype == np.uint8
    assert r0['gt_depth'].dtype == np.float32 and r0['gt_depth'].shape == (S, S)
    assert (r0['gt_depth'] > 0.05).all()  # a closed room: every pixel hits a surface
    assert r0['gt_normal'].dtype == np.float32 and r0['gt_normal'].shape == (S, S, 3)
    np.testing.assert_allclose(np.linalg.norm(r0['gt_normal'], axis=-1), 1, atol=1e-5)
    assert r0['gt_instance'].dtype == np.int64 and r0['gt_semantic'].dtype == np.int64
    assert r0['gt_semantic'].min() >= 1 and r0['gt_semantic'].max() < len(CLASSES)
    assert r0['K'].shape == (3, 3) and r0['img_shape'] == r0['ori_shape'] == (S, S)
    assert r0['tasks'] == ('depth', 'normal', 'instance', 'semantic')
    rgb = _ds(views_per_scene=2, num_views=3, channel_order='rgb', tasks=['depth'])[0]
    np.testing.assert_array_equal(rgb['img'], r0['img'][..., ::-1])
    assert rgb['tasks'] == ('depth', ) and 'gt_normal' not in rgb and 'gt_instance' not in rgb


def test_same_results_as_a_disk_render_through_the_same_pipeline(gl, tmp_path):
    root = str(tmp_path / 'disk')
    render_dataset(root, num_scenes=2, views_per_scene=2, width=S, height=S, seed=5,
                   scene_cfg=SceneConfig(num_objects=(2, 4)), progress=False)
    disk_raw = SyntheticMultiTaskDataset(
        root, pipeline=[dict(type='synthssl.LoadMultiTaskAnnotations')])
    disk = SyntheticMultiTaskDataset(
        root, pipeline=[dict(type='synthssl.LoadMultiTaskAnnotations')] + PIPE)
    exact = _ds(views_per_scene=2, quantize=True, pipeline=PIPE)
    exact_raw = _ds(views_per_scene=2, quantize=True)
    full = _ds(views_per_scene=2)
    for i in range(4):
        d, o = disk_raw[i], exact_raw[i]
        assert d['view'] == o['view']
        shared = ('img', 'gt_depth', 'gt_normal', 'gt_instance', 'gt_semantic', 'K',
                  'cam_to_world', 'img_shape', 'ori_shape', 'flip', 'flip_direction', 'tasks')
        assert set(shared) <= set(d) and set(shared) <= set(o)
        for k in shared:
            if isinstance(d[k], np.ndarray):
                assert (o[k].dtype, o[k].shape) == (d[k].dtype, d[k].shape), k
                np.testing.assert_allclose(o[k], d[k], rtol=0, atol=1e-12, err_msg=k)
            else:
                assert o[k] == d[k], k
        f = full[i]  # float precision: within the disk encodings' rounding
        assert np.abs(f['gt_depth'] - d['gt_depth']).max() <= 0.5e-3 + 1e-6
        assert np.abs(f['gt_normal'] - d['gt_normal']).max() < 1e-4
        # ... and packed by the shared pipeline into the same structure and values
        pd, po = disk[i], exact[i]
        assert torch.equal(pd['inputs'], po['inputs']) and po['inputs'].shape == (3, 20, 24)
        sd, so = pd['data_samples'], po['data_samples']
        assert set(sd.keys()) == set(so.keys()) and set(sd.metainfo) == set(so.metainfo)
        for k in ('gt_depth', 'gt_normal', 'gt_instance', 'gt_semantic', 'gt_contour', 'K'):
            assert so.get(k).dtype == sd.get(k).dtype and torch.equal(so.get(k), sd.get(k)), k
        assert so.tasks == sd.tasks == ('depth', 'normal', 'instance', 'semantic', 'contour')
        assert so.get('gt_contour').sum() > 0


def test_bad_arguments_are_named(gl):
    with pytest.raises(ValueError, match='remove LoadMultiTaskAnnotations'):
        _ds(pipeline=[dict(type='synthssl.LoadMultiTaskAnnotations')])
    with pytest.raises(ValueError, match='num_views'):
        _ds(num_views=0)
    with pytest.raises(ValueError, match='unknown tasks'):
        _ds(tasks=['depth', 'albedo'])
    with pytest.raises(ValueError, match='unknown SceneConfig fields'):
        _ds(scene_cfg=dict(num_object=3))
    with pytest.raises(ValueError, match='unknown style'):
        _ds(scene_cfg=dict(style='outdoor'))


def test_pipeline_none_is_redrawn_deterministically_or_raises_in_test_mode(gl):
    strict = [dict(type='synthssl.InstanceToContour', min_edge_pixels=10 ** 6)]
    with pytest.raises(RuntimeError, match='returned None for index 1'):
        _ds(pipeline=strict, test_mode=True)[1]
    with pytest.raises(RuntimeError, match='2 replacements'):
        _ds(pipeline=strict, max_refetch=2)[1]

    class DropEven:  # keeps only views whose global index is odd
        def __call__(self, results):
            g = results['epoch'] * 4 + results['sample_idx']
            return results if g % 2 else None

    a, b = _ds(pipeline=[DropEven()]), _ds(pipeline=[DropEven()])
    ra, rb = a[2], b[2]
    assert ra['sample_idx'] % 2 == 1 and _same(ra, rb)


def test_pickling_ships_no_gl_state_and_renders_the_same(gl):
    from synthssl.render.rasterizer import GLRenderer
    ds = _ds(views_per_scene=2)
    ref = ds[1]
    assert ds._scenes  # the scene cache is filled in this process ...
    state = ds.__getstate__()
    assert not state['_scenes'] and not any(isinstance(v, GLRenderer) for v in state.values())
    clone = pickle.loads(pickle.dumps(ds))  # ... but a spawned worker gets none of it
    assert not clone._scenes and _same(clone[1], ref)


def test_syn_part_of_pair_dataset(gl, tmp_path):
    (tmp_path / 'real').mkdir()
    for j in range(3):
        assert cv2.imwrite(str(tmp_path / 'real' / f'{j}.png'),
                           np.full((20, 24, 3), 40 * j, np.uint8))
    pair = SynRealPairDataset(
        syn=dict(type='synthssl.OnTheFlySyntheticDataset', num_views=4, width=S, seed=5,
                 scene_cfg=SCENE, pipeline=PIPE),
        real=dict(type='synthssl.RealImageFolderDataset', data_root=str(tmp_path / 'real')))
    assert len(pair) == 4 and pair.metainfo['classes'] == CLASSES
    solo = _ds(pipeline=PIPE)
    items = [pair[i] for i in range(4)]
    for i, item in enumerate(items):
        assert torch.equal(item['syn']['inputs'], solo[i]['inputs'])
        assert item['real']['img_path'] == pair.real.get_data_info(pair.real_index(i, 0))[
            'img_path']
    assert len({bytes(it['syn']['inputs'].numpy()) for it in items}) == 4
    # the pair forwards its epoch: epoch 1 (encoded index len + i) renders new views
    later = pair[len(pair) + 0]
    assert torch.equal(later['syn']['inputs'], solo[len(solo) + 0]['inputs'])
    assert not torch.equal(later['syn']['inputs'], items[0]['syn']['inputs'])


_LOADER_SCRIPT = r'''
import json, sys
import torch
from mmengine.dataset import pseudo_collate
from synthssl.datasets import EpochEncodedSampler, OnTheFlySyntheticDataset


def main():
    ds = OnTheFlySyntheticDataset(num_views=4, width=32, seed=5,
                                  scene_cfg=dict(num_objects=[2, 4]),
                                  pipeline=[dict(type='synthssl.InstanceToContour'),
                                            dict(type='synthssl.PackMultiTaskInputs')])
    # the main process renders first: the forked workers must build their own GL context
    ref = {e * 4 + i: ds[e * 4 + i]['inputs'] for e in (0, 1) for i in range(4)}
    out = {}
    for ctx in sys.argv[1:]:
        seen = {}
        sampler = EpochEncodedSampler(ds, shuffle=False)
        # persistent workers see no set_epoch: the epoch reaches them through the index
        loader = torch.utils.data.DataLoader(ds, batch_size=2, sampler=sampler, num_workers=2,
                                             collate_fn=pseudo_collate, persistent_workers=True,
                                             multiprocessing_context=ctx)
        for epoch in (0, 1):
            sampler.set_epoch(epoch)
            for batch in loader:
                for img, s in zip(batch['inputs'], batch['data_samples']):
                    key = epoch * 4 + s.sample_idx
                    assert key not in seen, key
                    assert torch.equal(img, ref[key]), (ctx, key)
                    assert s.gt_contour.shape == (1, 32, 32)
                    assert s.gt_depth.dtype == torch.float32
                    seen[key] = bytes(img.numpy())
        out[ctx] = dict(items=len(seen), distinct=len(set(seen.values())))
    print(json.dumps(out))


if __name__ == '__main__':  # spawn workers re-import this file
    main()
'''


def test_dataloader_workers_fork_and_spawn(gl, tmp_path):
    script = tmp_path / 'loader.py'
    script.write_text(_LOADER_SCRIPT)
    proc = run_tool([sys.executable, str(script), 'fork', 'spawn'])
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out == {'fork': dict(items=8, distinct=8), 'spawn': dict(items=8, distinct=8)}


def test_forked_child_of_a_threaded_gl_parent_fails_clearly(gl, monkeypatch):
    from synthssl.datasets import on_the_fly as otf
    # pretend this process inherited renderers from a parent (another pid) whose llvmpipe
    # context ran rasteriser threads: making a context here would deadlock, so it must raise
    monkeypatch.setattr(otf, '_RENDERERS_PID', -1)
    monkeypatch.setattr(otf, '_RENDERERS', {(S, S, True): object()})
    monkeypatch.setattr(otf, '_RENDERERS_LP_THREADS', {(S, S, True): '1'})
    with pytest.raises(RuntimeError, match="LP_NUM_THREADS='1'.*spawn"):
        otf.process_renderer(S, S, True)
    # with an inline (LP_NUM_THREADS=0) parent context the child simply builds its own
    monkeypatch.setattr(otf, '_RENDERERS_LP_THREADS', {(S, S, True): '0'})
    renderer = otf.process_renderer(S, S, True)
    assert otf._RENDERERS_PID == os.getpid() and otf._RENDERERS == {(S, S, True): renderer}
    renderer.release()  # monkeypatch puts the process's real renderer table back
