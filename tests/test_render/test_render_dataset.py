# Copyright (c) synthssl contributors.
"""render_dataset: layout, manifest, resume, worker-count independence, CLI."""
import json
import os
import os.path as osp
import sys

import numpy as np
import pytest

from helpers import REPO, run_tool, tool_env
from synthssl.render import io
from synthssl.render.scene import CLASSES, SceneConfig
from synthssl.render.writer import read_manifest, render_dataset, scene_seed, view_key

W, H = 40, 32


def _files(root):
    out = {}
    for d, _, fs in os.walk(osp.join(root, 'scenes')):
        for f in fs:
            p = osp.join(d, f)
            with open(p, 'rb') as fh:
                out[osp.relpath(p, root)] = fh.read()
    return out


@pytest.fixture(scope='module')
def rendered(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('synth'))
    # any error (no EGL, a scene-sampler or renderer regression) fails the tests using it
    summary = render_dataset(root, num_scenes=2, views_per_scene=2, width=W, height=H,
                             seed=3, workers=1, progress=False,
                             scene_cfg=SceneConfig(style='indoor_dark'))
    return root, summary


def test_layout_manifest_meta_and_readback(rendered):
    root, summary = rendered
    assert summary['rendered'] == 4 and summary['skipped'] == 0
    entries = read_manifest(root)
    assert [e['view'] for e in entries] == [view_key(s, v) for s in range(2) for v in range(2)]
    for e in entries:
        assert e['scene_seed'] == scene_seed(3, e['scene']) and e['style'] == 'indoor_dark'
        for m in io.MODALITIES:
            assert osp.isfile(io.view_path(root, e['view'], m)), (e['view'], m)
    with open(osp.join(root, 'meta.json')) as f:
        meta = json.load(f)
    assert meta['classes'] == list(CLASSES) and meta['format_version'] == io.FORMAT_VERSION
    assert (meta['width'], meta['height']) == (W, H)
    assert meta['scene_config']['style'] == 'indoor_dark'
    view = entries[-1]['view']
    rgb = io.read_rgb(io.view_path(root, view, 'rgb'))
    depth = io.read_depth(io.view_path(root, view, 'depth'))
    normal = io.read_normal(io.view_path(root, view, 'normal'))
    inst = io.read_ids(io.view_path(root, view, 'instance'))
    sem = io.read_ids(io.view_path(root, view, 'semantic'), np.uint8)
    cam = io.read_camera(io.view_path(root, view, 'camera'))
    assert rgb.shape == (H, W, 3) and depth.shape == (H, W) and normal.shape == (H, W, 3)
    assert (depth > 0.05).all() and depth.max() < 12  # inside a closed room
    np.testing.assert_allclose(np.linalg.norm(normal, axis=-1), 1, atol=1e-3)
    assert inst.min() >= 1 and sem.min() >= 1 and sem.max() < len(CLASSES)
    assert cam['K'].shape == (3, 3) and cam['cam_to_world'].shape == (4, 4)
    assert abs(np.linalg.det(cam['cam_to_world'][:3, :3]) - 1) < 1e-9


def test_resume_skips_complete_views_and_redoes_incomplete_ones(rendered):
    root, _ = rendered
    first = io.view_path(root, view_key(0, 0), 'rgb')
    stamp = os.stat(first).st_mtime_ns
    again = render_dataset(root, 2, 2, width=W, height=H, seed=3, progress=False,
                           scene_cfg=SceneConfig(style='indoor_dark'))
    assert again['rendered'] == 0 and again['skipped'] == 4
    assert os.stat(first).st_mtime_ns == stamp
    before = _files(root)
    os.remove(io.view_path(root, view_key(1, 1), 'normal'))
    fixed = render_dataset(root, 2, 2, width=W, height=H, seed=3, progress=False,
                           scene_cfg=SceneConfig(style='indoor_dark'))
    assert fixed['rendered'] == 1 and fixed['skipped'] == 3
    assert _files(root) == before  # re-rendered bit-identically
    # growing the dataset keeps the old views and lists the new ones
    grown = render_dataset(root, 3, 2, width=W, height=H, seed=3, progress=False,
                           scene_cfg=SceneConfig(style='indoor_dark'))
    assert grown['rendered'] == 2 and len(read_manifest(root)) == 6
    with pytest.raises(ValueError, match='meta.json.*width'):
        render_dataset(root, 3, 2, width=W + 8, height=H, seed=3, progress=False,
                       scene_cfg=SceneConfig(style='indoor_dark'))


def test_two_workers_write_the_same_files_as_one(rendered, tmp_path):
    root, _ = rendered
    other = str(tmp_path / 'two')
    summary = render_dataset(other, 2, 2, width=W, height=H, seed=3, workers=2,
                             progress=False, scene_cfg=SceneConfig(style='indoor_dark'))
    assert summary['rendered'] == 4
    ref = {k: v for k, v in _files(root).items() if k.split(os.sep)[1] in ('000000', '000001')}
    assert _files(other) == ref


def test_cli_renders_and_prints_a_summary(tmp_path):
    out = str(tmp_path / 'cli')
    proc = run_tool([sys.executable, osp.join(REPO, 'tools', 'render', 'render_synthetic.py'), out,
                     '--scenes', '1', '--views-per-scene', '2', '--size', '32', '--workers',
                     '1', '--seed', '7', '--style', 'warm', '--no-shadows', '--no-progress'],
                    env=tool_env())
    assert 'rendered 2' in proc.stdout
    assert len(read_manifest(out)) == 2
    with open(osp.join(out, 'meta.json')) as f:
        meta = json.load(f)
    assert meta['shadows'] is False and meta['style'] == 'warm' and meta['width'] == 32
