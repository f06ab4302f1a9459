# Copyright (c) synthssl contributors.
"""tools/analysis_tools/visualize_predictions.py and tools/misc/write_builtin_photos.py."""
import os
import os.path as osp
import sys

import cv2
import numpy as np
from mmengine.config import Config
from mmengine.registry import DefaultScope

from helpers import REPO, run_tool, tool_fails
from pretrain_helpers import TINY, tiny_alexnet_checkpoint


def test_prediction_panel(tmp_path):
    tiny = tiny_alexnet_checkpoint(str(tmp_path))
    cfg, cfg_path, ckpt = Config.fromfile(tiny['cfg']), tiny['cfg'], tiny['ckpt']
    out = str(tmp_path / 'panel.png')
    proc = run_tool([sys.executable, 'tools/analysis_tools/visualize_predictions.py', cfg_path,
                     ckpt, '--out', out, '--num-views', '2'])
    assert '2 views x 7 columns' in proc.stdout
    panel = cv2.imread(out)
    # 2 rows x (input + predicted / true depth, normal, contour) of 67 x 67 cells, 2 px
    # apart, under a 16 px label strip
    assert panel is not None and panel.shape == (16 + 2 + 2 * (TINY + 2), 2 + 7 * (TINY + 2), 3)
    # the "true normal" column holds the first two test views, in order
    from synthssl.registry import DATASETS
    from synthssl.visualization import colorize_normal
    with DefaultScope.overwrite_default_scope('synthssl'):
        test_set = DATASETS.build(cfg.test_dataloader.dataset)
    for row in range(2):
        y, x = 16 + 2 + row * (TINY + 2), 2 + 4 * (TINY + 2)
        gt = test_set[row]['data_samples'].gt_normal.numpy()
        assert np.array_equal(panel[y:y + TINY, x:x + TINY, ::-1], colorize_normal(gt))


def test_missing_checkpoint_is_named(tmp_path):
    err = tool_fails(
        [sys.executable, 'tools/analysis_tools/visualize_predictions.py',
         osp.join(REPO, 'configs', 'renlee', 'alexnet_3task.py'), str(tmp_path / 'nope.pth'),
         '--out', str(tmp_path / 'p.png')])
    assert 'nope.pth does not exist' in err


def test_write_builtin_photos(tmp_path):
    proc = run_tool([sys.executable, 'tools/misc/write_builtin_photos.py', str(tmp_path)])
    files = [f for f in os.listdir(tmp_path) if f.endswith('.png')]
    assert len(files) >= 10 and f'{len(files)} real photographs' in proc.stdout
    img = cv2.imread(str(tmp_path / files[0]))
    assert img.ndim == 3 and img.shape[2] == 3 and min(img.shape[:2]) >= 100
