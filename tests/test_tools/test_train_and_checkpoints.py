# Copyright (c) synthssl contributors.
"""tools/train.py and tools/test.py on the tiny toy-shapes config, and the three ways a
runner checkpoint is loaded again (``--resume``, ``load_from``, ``init_cfg=Pretrained``),
which torch >= 2.6's ``weights_only=True`` default breaks in mmengine 0.10.7."""
import os.path as osp
import subprocess
import sys

import pytest
import torch

from helpers import TINY_CLS_CFG, data_root_options, run_tool, tool_env


@pytest.fixture(scope='module')
def trained(toy_shapes_root, tmp_path_factory):
    """Two iterations of training; returns (work_dir, checkpoint)."""
    work_dir = str(tmp_path_factory.mktemp('train'))
    run_tool([sys.executable, 'tools/train.py', TINY_CLS_CFG, '--work-dir', work_dir,
              '--cfg-options', *data_root_options(toy_shapes_root)])
    ckpt = osp.join(work_dir, 'iter_2.pth')
    assert osp.isfile(ckpt)
    return work_dir, ckpt


def _load_full(ckpt):
    return torch.load(ckpt, map_location='cpu', weights_only=False)


def test_train_writes_a_runner_checkpoint(trained):
    _, ckpt = trained
    state = _load_full(ckpt)
    assert {'meta', 'state_dict', 'message_hub', 'optimizer'} <= set(state)
    assert state['meta']['iter'] == 2
    assert any(k.startswith('backbone.fc7.') for k in state['state_dict'])


def test_without_the_fix_torch_refuses_runner_checkpoints(trained):
    """Control: with torch's default kept (variable set to 0), mmengine cannot load it."""
    _, ckpt = trained
    code = ('import synthssl, pickle\n'
            'from mmengine.runner import CheckpointLoader\n'
            'try:\n'
            f'    CheckpointLoader.load_checkpoint({ckpt!r}, map_location="cpu")\n'
            'except pickle.UnpicklingError as e:\n'
            '    print("REFUSED", e)\n')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         env=tool_env(TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD='0'), timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert 'REFUSED' in out.stdout and 'HistoryBuffer' in out.stdout


def test_resume_continues_from_the_saved_iteration(trained, toy_shapes_root, tmp_path):
    work_dir, ckpt = trained
    resumed = str(tmp_path / 'resumed')
    env = tool_env()
    env.pop('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', None)  # the tool must set it itself
    proc = run_tool([sys.executable, 'tools/train.py', TINY_CLS_CFG, '--work-dir', resumed,
                     '--resume', ckpt, '--cfg-options', *data_root_options(toy_shapes_root),
                     'train_cfg.max_iters=4'], env=env)
    assert 'resumed epoch: 0, iter: 2' in proc.stdout + proc.stderr
    state = _load_full(osp.join(resumed, 'iter_4.pth'))
    assert state['meta']['iter'] == 4
    assert not osp.exists(osp.join(resumed, 'iter_2.pth'))  # iterations 1-2 were not rerun


def test_test_tool_loads_the_checkpoint_and_evaluates(trained, toy_shapes_root, tmp_path):
    _, ckpt = trained
    out_pkl = str(tmp_path / 'preds.pkl')
    proc = run_tool([sys.executable, 'tools/test.py', TINY_CLS_CFG, ckpt, '--work-dir',
                     str(tmp_path), '--out', out_pkl, '--cfg-options',
                     *data_root_options(toy_shapes_root)])
    assert 'Load checkpoint from' in proc.stdout + proc.stderr
    assert 'accuracy/top1' in proc.stdout + proc.stderr
    import pickle
    with open(out_pkl, 'rb') as f:
        preds = pickle.load(f)
    assert len(preds) == 4  # every val image has a prediction


def test_init_cfg_pretrained_from_a_runner_checkpoint(trained):
    """``init_cfg=dict(type='Pretrained')`` on a full runner checkpoint, as a transfer config
    would use it; the backbone ends up with exactly the checkpoint's weights."""
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import MODELS

    import synthssl  # noqa: F401  (what custom_imports=['synthssl'] does)
    _, ckpt = trained
    cfg = dict(
        type='ImageClassifier',
        backbone=dict(type='synthssl.SynthAlexNet', out_indices=('fc7', ),
                      init_cfg=dict(type='Pretrained', checkpoint=ckpt, prefix='backbone.')),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=4, in_channels=4096))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(cfg)
    model.init_weights()
    saved = _load_full(ckpt)['state_dict']
    for name, value in model.backbone.state_dict().items():
        torch.testing.assert_close(value, saved[f'backbone.{name}'], msg=name)
