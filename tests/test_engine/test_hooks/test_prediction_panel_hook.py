# Copyright (c) synthssl contributors.
"""synthssl.engine.hooks.PredictionPanelHook in a real mmengine Runner, logging to the local
and the TensorBoard visualiser backends."""
import glob
import os.path as osp
import random

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from helpers import REPO
from pretrain_helpers import TINY, render_tiny_data, shrink

ALEXNET_3TASK = osp.join(REPO, 'configs', 'renlee', 'alexnet_3task.py')


@pytest.fixture(scope='module')
def tiny_data(tmp_path_factory):
    return render_tiny_data(str(tmp_path_factory.mktemp('panel_data')))


def tiny_cfg(tiny_data, tmp_path, iters=2, **hook):
    """alexnet_3task at 67x67 on the tiny renders, with only this test's panel hook."""
    cfg = shrink(Config.fromfile(ALEXNET_3TASK), tiny_data, str(tmp_path / 'work'), iters)
    cfg.experiment_name = f'panel_{tmp_path.name}'  # a fresh Visualizer / logger instance
    cfg.custom_hooks = [dict(type='PredictionPanelHook', **hook)]
    return cfg


def vis_images(work_dir):
    return sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'vis_image', '*.png')))


def panel_shape(rows, cols=7, cell=TINY, pad=2, head=16):
    return (head + pad + rows * (cell + pad), pad + cols * (cell + pad), 3)


def test_the_shipped_configs_carry_the_hook():
    for name, interval in (('alexnet_3task.py', 1000), ('alexnet_3task_cpu-quickstart.py', 50)):
        cfg = Config.fromfile(osp.join(REPO, 'configs', 'renlee', name))
        hooks = [h for h in cfg.custom_hooks if h['type'] == 'PredictionPanelHook']
        assert len(hooks) == 1 and hooks[0]['interval'] == interval, name


def test_logs_at_every_interval_and_after_val_to_local_and_tensorboard(tiny_data, tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    # iteration trigger every 2: steps 2, 4; validation after iterations 3 and 4 (the last):
    # step 3, and step 4 again, logged once
    cfg = tiny_cfg(tiny_data, tmp_path, iters=4, interval=2, num_samples=2, after_val=True)
    cfg.train_cfg.val_interval = 3
    cfg.visualizer.vis_backends = [dict(type='LocalVisBackend'),
                                   dict(type='TensorboardVisBackend')]
    runner = Runner.from_cfg(cfg)
    runner.train()
    files = [osp.basename(f) for f in vis_images(cfg.work_dir)]
    assert files == [f'prediction_panel_{i}.png' for i in (2, 3, 4)]
    panels = [cv2.imread(f) for f in vis_images(cfg.work_dir)]
    # 2 samples x (input + predicted / true depth, normal, contour) at 67 x 67
    assert all(p.shape == panel_shape(2) for p in panels)
    assert not np.array_equal(panels[0], panels[2])  # the model trained in between
    events = glob.glob(osp.join(cfg.work_dir, '**', 'events.out.tfevents.*'), recursive=True)
    assert len(events) == 1
    acc = EventAccumulator(osp.dirname(events[0]), size_guidance={'images': 0})
    acc.Reload()
    assert 'prediction_panel' in acc.Tags()['images']
    images = acc.Images('prediction_panel')
    assert [e.step for e in images] == [2, 3, 4]
    assert all((e.height, e.width) == panel_shape(2)[:2] for e in images)
    decoded = cv2.imdecode(np.frombuffer(images[2].encoded_image_string, np.uint8),
                           cv2.IMREAD_COLOR)
    assert np.array_equal(decoded, panels[2])  # the same (lossless) picture in both


def test_panel_shows_the_first_val_samples_and_leaves_training_alone(tiny_data, tmp_path):
    from synthssl.engine.hooks import PredictionPanelHook
    from synthssl.visualization import colorize_normal
    cfg = tiny_cfg(tiny_data, tmp_path, interval=1000, num_samples=2)
    runner = Runner.from_cfg(cfg)
    hook = next(h for h in runner.hooks if isinstance(h, PredictionPanelHook))
    model = runner.model
    model.train()
    bn = model.backbone.conv1.bn
    running_mean = bn.running_mean.clone()
    random.seed(3)
    np.random.seed(3)
    torch.manual_seed(3)
    hook.log_panel(runner, step=7)
    draws = random.random(), np.random.rand(), torch.rand(1).item()
    random.seed(3)
    np.random.seed(3)
    torch.manual_seed(3)
    assert draws == (random.random(), np.random.rand(), torch.rand(1).item())
    assert model.training and model.backbone.training  # train mode restored
    assert torch.equal(bn.running_mean, running_mean)  # predicted in eval mode
    assert all(p.grad is None for p in model.parameters())
    panel = cv2.imread(vis_images(cfg.work_dir)[0])[..., ::-1]
    assert osp.basename(vis_images(cfg.work_dir)[0]) == 'prediction_panel_7.png'
    # the "true normal" cells (column 4) are the first two val views, in order
    val = runner.val_dataloader.dataset
    for row in range(2):
        y, x = 16 + 2 + row * (TINY + 2), 2 + 4 * (TINY + 2)
        gt = val[row]['data_samples'].gt_normal.numpy()
        assert np.array_equal(panel[y:y + TINY, x:x + TINY], colorize_normal(gt))


def test_bad_settings_are_named():
    from synthssl.engine.hooks import PredictionPanelHook
    with pytest.raises(ValueError, match='interval'):
        PredictionPanelHook(interval=-1)
    with pytest.raises(ValueError, match='name'):
        PredictionPanelHook(name='a/b')
    with pytest.raises(ValueError, match="source must be 'val' or 'train'"):
        PredictionPanelHook(source='test')


def test_without_validation_shows_training_samples(tiny_data, tmp_path):
    from synthssl.engine.hooks import PredictionPanelHook
    cfg = tiny_cfg(tiny_data, tmp_path, num_samples=3)
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None  # train.py --no-validate
    runner = Runner.from_cfg(cfg)
    hook = next(h for h in runner.hooks if isinstance(h, PredictionPanelHook))
    hook.before_train(runner)
    assert hook.source == 'train'
    hook.log_panel(runner, step=5)
    (path, ) = vis_images(cfg.work_dir)
    assert osp.basename(path) == 'prediction_panel_5.png'
    assert cv2.imread(path).shape == panel_shape(3)
