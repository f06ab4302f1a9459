# Copyright (c) synthssl contributors.
"""The shipped tiny CSG configs train under tools/dist_train.sh (2 CPU processes, gloo) and
validate; the checkpointed queues hold the keys of both ranks. The VisDA-2017 configs'
evaluator (macro recall) is the paper's mean per-class accuracy."""
import os.path as osp

import pytest
import torch

from helpers import REPO, assert_finite_metrics, free_port, logged_scalars, run_tool, tool_env

CLS_CFG = osp.join(REPO, 'configs', 'csg', 'csg_r18-tiny_toy-shapes_cpu.py')
SEG_CFG = osp.join(REPO, 'configs', 'csg', 'csg_deeplab-r18-tiny_rendered-scenes_cpu.py')


def _dist_train(cfg: str, work_dir: str, opts: list) -> str:
    proc = run_tool(['bash', 'tools/dist_train.sh', cfg, '2', '--work-dir', work_dir,
                     '--cfg-options', 'train_cfg.max_iters=1', 'train_cfg.val_interval=1',
                     'default_hooks.checkpoint.interval=1', *opts],
                    env=tool_env(PORT=str(free_port())))
    log = proc.stdout + proc.stderr
    assert 'Distributed training: True' in log
    return log


def _queues(work_dir: str) -> dict:
    state = torch.load(osp.join(work_dir, 'iter_1.pth'), map_location='cpu',
                       weights_only=False)['state_dict']
    return {k: int(v) for k, v in state.items() if k.endswith('.ptr')}


def test_tiny_classification_config_dist_train(toy_shapes_root, tmp_path):
    work_dir = str(tmp_path / 'cls')
    opts = [f'{k}.dataset.data_root={toy_shapes_root}'
            for k in ('train_dataloader', 'val_dataloader', 'test_dataloader')]
    _dist_train(CLS_CFG, work_dir, opts + ['train_dataloader.batch_size=4'])
    assert_finite_metrics(logged_scalars(work_dir),
                          keys=['loss', 'loss_nce_stage3', 'loss_nce_stage4', 'single-label/*'])
    # one step, 2 ranks x 4 images
    assert _queues(work_dir) == {'queues.stage3.ptr': 8, 'queues.stage4.ptr': 8}


def test_tiny_segmentation_config_dist_train(csg_render_roots, tmp_path):
    work_dir = str(tmp_path / 'seg')
    opts = [f'train_dataloader.dataset.data_root={csg_render_roots["train"]}',
            f'val_dataloader.dataset.data_root={csg_render_roots["val"]}',
            f'test_dataloader.dataset.data_root={csg_render_roots["val"]}',
            'train_dataloader.batch_size=2']
    _dist_train(SEG_CFG, work_dir, opts)
    assert_finite_metrics(logged_scalars(work_dir),
                          keys=['loss', 'decode.loss_ce', 'loss_nce_stage3', 'loss_nce_stage4',
                                'aAcc', 'mIoU'])
    # one step, 2 ranks x 2 crops x 8x8 chunks
    assert _queues(work_dir) == {'queues.stage3.ptr': 256, 'queues.stage4.ptr': 256}


def test_macro_recall_is_mean_per_class_accuracy():
    """configs/_base_/datasets/csg_visda17.py's val_evaluator."""
    from mmpretrain.evaluation import SingleLabelMetric
    from mmpretrain.structures import DataSample
    labels = [0, 0, 0, 1, 1, 2]
    preds = [0, 0, 1, 1, 2, 2]  # per-class accuracy 2/3, 1/2, 1/1 -> mean 0.7222
    metric = SingleLabelMetric(items=('recall', ), average='macro')
    samples = []
    for y, p in zip(labels, preds):
        score = torch.full((3, ), 0.1)
        score[p] = 0.9  # un-normalised, like the averaged sigmoid scores
        samples.append(DataSample().set_gt_label(y).set_pred_score(score).to_dict())
    metric.process(None, samples)
    result = metric.evaluate(len(samples))
    assert result['single-label/recall'] == pytest.approx(100 * (2 / 3 + 1 / 2 + 1) / 3)
