# Copyright (c) synthssl contributors.
"""tools/render/render_synthetic.py --panel: a PNG grid of the rendered views and their maps."""
import json
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np

from helpers import REPO, run_tool, tool_env
from synthssl.datasets.transforms import instance_contours
from synthssl.render import io
from synthssl.render.writer import read_manifest
from synthssl.visualization import colorize_depth, colorize_ids, colorize_normal

TOOL = osp.join(REPO, 'tools', 'render', 'render_synthetic.py')
S, F, PAD, HEAD = 48, 3, 2, 16  # render size; cells are enlarged x3 to >= 128 px


def test_panel_of_the_first_views(tmp_path):
    out, panel_path = str(tmp_path / 'render'), str(tmp_path / 'vis' / 'panel.png')
    proc = run_tool([sys.executable, TOOL, out, '--scenes', '2', '--views-per-scene', '1',
                     '--size', str(S), '--workers', '1', '--seed', '3', '--no-progress',
                     '--panel', panel_path, '--panel-views', '2'], env=tool_env())
    assert 'panel of 2 view(s)' in proc.stdout
    assert json.loads(proc.stdout.strip().splitlines()[-1])['rendered'] == 2
    panel = cv2.cvtColor(cv2.imread(panel_path), cv2.COLOR_BGR2RGB)
    c = S * F
    left = panel.shape[1] - PAD - 6 * (c + PAD)
    assert panel.shape[0] == HEAD + PAD + 2 * (c + PAD) and 48 <= left <= 120
    assert panel[:HEAD].max() > 0 and panel[HEAD:, :left].max() > 0  # column / row labels

    def cell(r, k):
        y, x = HEAD + PAD + r * (c + PAD), left + PAD + k * (c + PAD)
        return panel[y:y + c, x:x + c]

    def up(img):
        return cv2.resize(img, (c, c), interpolation=cv2.INTER_NEAREST)

    for r, entry in enumerate(read_manifest(out)):
        view = entry['view']
        inst = io.read_ids(io.view_path(out, view, 'instance'))
        expect = [io.read_rgb(io.view_path(out, view, 'rgb')),
                  colorize_depth(io.read_depth(io.view_path(out, view, 'depth'))),
                  colorize_normal(io.read_normal(io.view_path(out, view, 'normal'))),
                  colorize_ids(inst),
                  colorize_ids(io.read_ids(io.view_path(out, view, 'semantic'), np.uint8)),
                  np.repeat((instance_contours(inst) * 255).astype(np.uint8)[..., None], 3, -1)]
        for k, e in enumerate(expect):  # every map in its cell, pixel-aligned with the RGB
            np.testing.assert_array_equal(cell(r, k), up(e), err_msg=f'row {r} column {k}')
        assert cell(r, 5).max() == 255 and len(np.unique(inst)) >= 3  # a room with objects


def test_panel_views_must_be_positive(tmp_path):
    proc = subprocess.run([sys.executable, TOOL, str(tmp_path / 'r'), '--panel',
                           str(tmp_path / 'p.png'), '--panel-views', '0'], cwd=REPO,
                          env=tool_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and '--panel-views must be >= 1' in proc.stderr
    assert not osp.exists(str(tmp_path / 'r'))  # refused before rendering anything
