# Copyright (c) synthssl contributors.
"""tools/analysis_tools/visualize_filters.py (Ren & Lee, Fig. 4)."""
import os.path as osp
import sys

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from helpers import REPO, TINY_CLS_CFG, data_root_options, run_tool, tool_fails
from pretrain_helpers import render_tiny_data, shrink

TOOL = 'tools/analysis_tools/visualize_filters.py'
TILE, PAD = 11 * 4, 1  # conv1 11 x 11, --scale 4 (default)


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """alexnet_3task shrunk to tiny renders, trained for 1 iteration: its runner checkpoint."""
    tmp = tmp_path_factory.mktemp('filters')
    paths = render_tiny_data(str(tmp / 'data'))
    cfg = shrink(Config.fromfile(osp.join(REPO, 'configs', 'renlee', 'alexnet_3task.py')),
                 paths, str(tmp / 'work'), iters=1)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.experiment_name = f'filters_{tmp.name}'
    Runner.from_cfg(cfg).train()
    cfg_path = str(tmp / 'tiny.py')
    cfg.dump(cfg_path)
    return dict(cfg=cfg_path, ckpt=osp.join(cfg.work_dir, 'iter_1.pth'))


def tiles(grid, rows, cols, tile=TILE, x0=0, y0=0):
    """The tiles of a make_panel grid with 1 px padding, row-major."""
    return [grid[y0 + PAD + r * (tile + PAD):y0 + PAD + r * (tile + PAD) + tile,
                 x0 + PAD + c * (tile + PAD):x0 + PAD + c * (tile + PAD) + tile]
            for r in range(rows) for c in range(cols)]


def test_conv1_grid_normalised_per_filter(trained, tmp_path):
    out = str(tmp_path / 'conv1.png')
    proc = run_tool([sys.executable, TOOL, trained['cfg'], trained['ckpt'], '--out', out])
    assert 'backbone.conv1.conv.weight (96, 3, 11, 11) -> 8 x 12 tiles' in proc.stdout
    grid = cv2.imread(out)[..., ::-1]  # RGB
    assert grid.shape == (PAD + 8 * (TILE + PAD), PAD + 12 * (TILE + PAD), 3)
    ts = tiles(grid, 8, 12)
    assert len(ts) == 96
    assert all(t.min() == 0 and t.max() == 255 for t in ts)
    # tile i = filter i of the checkpoint, min-max normalised, R G B = input channels 0 1 2
    # (the model's preprocessor converts BGR to RGB), upscaled 4x by nearest neighbour
    w = torch.load(trained['ckpt'], map_location='cpu', weights_only=False)['state_dict'][
        'backbone.conv1.conv.weight'].numpy()
    for i in (0, 37, 95):
        f = (w[i] - w[i].min()) / (w[i].max() - w[i].min()) * 255
        expected = f.transpose(1, 2, 0)
        assert np.abs(ts[i][::4, ::4].astype(float) - expected).max() <= 0.5 + 1e-6
        assert (ts[i] == np.repeat(np.repeat(ts[i][::4, ::4], 4, 0), 4, 1)).all()


def test_two_checkpoints_and_another_weight(trained, tmp_path):
    out = str(tmp_path / 'two.png')
    run_tool([sys.executable, TOOL, trained['cfg'], 'random', trained['ckpt'], '--names',
              'random', 'trained', '--out', out])
    panel = cv2.imread(out)
    gh, gw = PAD + 8 * (TILE + PAD), PAD + 12 * (TILE + PAD)
    # two grids side by side, 8 px apart, under a 16 px label strip
    assert panel.shape == (16 + 8 + gh + 8, 8 + 2 * (gw + 8), 3)
    left = panel[24:24 + gh, 8:8 + gw]
    right = panel[24:24 + gh, 16 + gw:16 + 2 * gw]
    assert not np.array_equal(left, right)
    # conv2: 256 filters over 96 channels -> gray tiles (channel mean), 19 per row
    out = str(tmp_path / 'conv2.png')
    proc = run_tool([sys.executable, TOOL, trained['cfg'], trained['ckpt'], '--param',
                     'backbone.conv2.conv.weight', '--scale', '2', '--out', out])
    assert '(256, 96, 5, 5) -> 14 x 19 tiles' in proc.stdout
    grid = cv2.imread(out)
    assert grid.shape == (PAD + 14 * 11, PAD + 19 * 11, 3)
    ts = tiles(grid, 14, 19, tile=10)[:256]
    assert all(t.min() == 0 and t.max() == 255 for t in ts)
    assert all((t[..., 0] == t[..., 1]).all() and (t[..., 1] == t[..., 2]).all() for t in ts)


def test_mmpretrain_classifier(toy_shapes_root, tmp_path):
    out = str(tmp_path / 'cls.png')
    proc = run_tool([sys.executable, TOOL, TINY_CLS_CFG, 'random', '--ncols', '16', '--out',
                     out, '--cfg-options'] + data_root_options(toy_shapes_root))
    assert 'backbone.conv1.conv.weight (96, 3, 11, 11) -> 6 x 16 tiles' in proc.stdout
    assert cv2.imread(out).shape == (PAD + 6 * (TILE + PAD), PAD + 16 * (TILE + PAD), 3)


def test_bad_input_is_named(trained, tmp_path):
    def fails(*extra):
        return tool_fails([sys.executable, TOOL, trained['cfg'], *extra, '--out',
                           str(tmp_path / 'x.png')])
    assert 'nope.pth does not exist' in fails('random', str(tmp_path / 'nope.pth'))
    err = fails(trained['ckpt'], '--param', 'backbone.conv9.weight')
    assert "--param 'backbone.conv9.weight': CrossDomainMultiTask has no such parameter" in err
    assert 'backbone.conv1.conv.weight' in err  # the candidates are listed
