# Copyright (c) synthssl contributors.
"""tools/train.py and tools/test.py on the tiny toy-shapes config, and the three ways a
runner checkpoint is loaded again (``--resume``, ``load_from``, ``init_cfg=Pretrained``),
all through synthssl's safe loader (torch >= 2.6's ``weights_only=True`` default alone
refuses mmengine 0.10.7's runner checkpoints; see test_safe_checkpoint_loading.py)."""
import os.path as osp
import sys

import torch

from helpers import TINY_CLS_CFG, data_root_options, run_tool, tool_env


def _load_full(ckpt):
    return torch.load(ckpt, map_location='cpu', weights_only=False)


def test_train_writes_a_runner_checkpoint(trained):
    _, ckpt = trained
    state = _load_full(ckpt)
    assert {'meta', 'state_dict', 'message_hub', 'optimizer'} <= set(state)
    assert state['meta']['iter'] == 2
    assert any(k.startswith('backbone.fc7.') for k in state['state_dict'])


def test_resume_continues_from_the_saved_iteration(trained, toy_shapes_root, tmp_path):
    work_dir, ckpt = trained
    resumed = str(tmp_path / 'resumed')
    proc = run_tool([sys.executable, 'tools/train.py', TINY_CLS_CFG, '--work-dir', resumed,
                     '--resume', ckpt, '--cfg-options', *data_root_options(toy_shapes_root),
                     'train_cfg.max_iters=4'], env=tool_env())
    assert 'resumed epoch: 0, iter: 2' in proc.stdout + proc.stderr
    state = _load_full(osp.join(resumed, 'iter_4.pth'))
    assert state['meta']['iter'] == 4
    assert not osp.exists(osp.join(resumed, 'iter_2.pth'))  # iterations 1-2 were not rerun


def test_auto_resume_without_a_checkpoint_keeps_load_from(trained, toy_shapes_root, tmp_path):
    """``--resume`` in a fresh work dir starts from the configured ``load_from`` weights (a
    fine-tuning job restarted by a launcher); it once replaced them with None, so every
    "pretrained" detector of the transfer benchmark trained from a random backbone."""
    _, ckpt = trained
    work = str(tmp_path / 'finetune')
    proc = run_tool([sys.executable, 'tools/train.py', TINY_CLS_CFG, '--work-dir', work,
                     '--resume', '--cfg-options', *data_root_options(toy_shapes_root),
                     f'load_from={ckpt}', 'train_cfg.max_iters=1'], env=tool_env())
    log = proc.stdout + proc.stderr
    assert f'starting from load_from={ckpt}' in log
    assert f'Load checkpoint from {ckpt}' in log
    assert 'resumed epoch' not in log  # loaded as initial weights, not resumed
    assert _load_full(osp.join(work, 'iter_1.pth'))['meta']['iter'] == 1


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
