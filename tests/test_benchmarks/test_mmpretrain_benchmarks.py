# Copyright (c) synthssl contributors.
"""configs/benchmarks/mmpretrain: VOC07 fine-tuning and the conv1..conv5 ImageNet linear probes
train two iterations from exported weights on tiny data and evaluate to a finite metric."""
import os.path as osp
import subprocess

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

from helpers import REPO, assert_finite_metrics, logged_scalars, tool_env
from mmpretrain_bench_helpers import (export_tool, make_pretrain_checkpoint, make_tiny_imagenet,
                                      make_tiny_voc)
from synthssl.models.necks import ResizeFlattenNeck

CFG_DIR = osp.join(REPO, 'configs', 'benchmarks', 'mmpretrain')
PROBES = {'conv1': (96, 10), 'conv2': (256, 6), 'conv3': (384, 5), 'conv4': (384, 5),
          'conv5': (256, 6)}


@pytest.fixture(scope='module')
def exported(tmp_path_factory):
    root = tmp_path_factory.mktemp('bench')
    ckpt = make_pretrain_checkpoint(str(root / 'iter_7.pth'))
    tool = export_tool()
    caffe, backbone = str(root / 'caffe.pth'), str(root / 'backbone.pth')
    tool.export(ckpt, caffe, 'caffe-alexnet', rescale=False)  # rescaled: the script test
    tool.export(ckpt, backbone, 'backbone')
    return dict(root=root, ckpt=ckpt, caffe=caffe, backbone=backbone)


def _tiny(cfg: Config, work_dir: str) -> Config:
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[key].update(batch_size=2, num_workers=0, persistent_workers=False)
    cfg.work_dir = work_dir
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=-1)
    cfg.env_cfg.dist_cfg = dict(backend='gloo')
    return cfg


def _state(path: str) -> dict:
    return torch.load(path, map_location='cpu', weights_only=True)['state_dict']


def test_resize_flatten_neck():
    neck = ResizeFlattenNeck(in_channels=96, size=10).train()
    x = torch.rand(4, 96, 55, 55)
    (y, ) = neck((x, ))
    assert y.shape == (4, 9600)
    assert torch.allclose(y.mean(0), torch.zeros(9600), atol=1e-5)  # affine-free BN
    assert not any(p.requires_grad for p in neck.parameters())
    # align_corners=True keeps the corners: the resized map's corner is the input's corner
    raw = ResizeFlattenNeck(in_channels=96, size=10, with_bn=False)((x, ))[0]
    assert torch.allclose(raw.view(4, 96, 10, 10)[..., 0, 0], x[..., 0, 0])
    assert torch.allclose(raw.view(4, 96, 10, 10)[..., -1, -1], x[..., -1, -1])
    with pytest.raises(ValueError, match='expected \\(N, 96, H, W\\)'):
        neck((torch.rand(1, 3, 8, 8), ))


def test_voc07_finetune_loads_trains_and_evaluates(exported, tmp_path):
    voc = make_tiny_voc(str(tmp_path / 'VOCdevkit'))
    cfg = Config.fromfile(osp.join(CFG_DIR, 'caffe-alexnet_voc07-cls-ft.py'))
    assert cfg.default_scope == 'mmpretrain' and cfg.model.backbone.init_cfg.checkpoint == ''
    assert cfg.model.backbone.type == 'synthssl.CaffeAlexNet'
    cfg.merge_from_dict({'model.backbone.init_cfg.checkpoint': exported['caffe']})
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[key].dataset.data_root = voc
    cfg.train_cfg.update(max_iters=2, val_interval=100)
    cfg = _tiny(cfg, str(tmp_path / 'work'))
    # the exported weights are what the backbone is initialised with
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        from mmpretrain.registry import MODELS
        model = MODELS.build(cfg.model)
    model.init_weights()
    for k, v in _state(exported['caffe']).items():
        assert torch.equal(model.backbone.state_dict()[k], v), k

    runner = Runner.from_cfg(cfg)
    runner.train()
    # lr multipliers: fc6-fc8 at 10x (biases 20x), conv weights 1x
    groups = runner.optim_wrapper.optimizer.param_groups
    by_shape = {tuple(g['params'][0].shape): g['initial_lr'] for g in groups}
    assert by_shape[(4096, 9216)] == pytest.approx(0.01)  # fc6 weight
    assert by_shape[(20, 4096)] == pytest.approx(0.01)  # fc8 weight
    assert by_shape[(20, )] == pytest.approx(0.02)  # fc8 bias
    assert by_shape[(96, 3, 11, 11)] == pytest.approx(0.001)  # conv1 weight
    assert runner.iter == 2
    assert_finite_metrics(runner.message_hub.log_scalars, keys=['train/loss*'])
    metrics = runner.val()
    assert_finite_metrics(metrics, keys=['multi-label/mAP'])
    assert 0 <= metrics['multi-label/mAP'] <= 100


@pytest.mark.parametrize('layer', list(PROBES))
def test_linear_probe_trains_and_evaluates(exported, tmp_path, layer):
    root = tmp_path / 'tiny_imagenet'
    make_tiny_imagenet(str(root))
    cfg = Config.fromfile(osp.join(CFG_DIR, f'synthalexnet_linear-probe_in1k_{layer}.py'))
    chans, size = PROBES[layer]
    idx = int(layer[-1]) - 1
    assert cfg.model.backbone.out_indices == (idx, ) and cfg.model.backbone.frozen_stages == 7
    assert cfg.model.neck.size == size and cfg.model.head.in_channels == chans * size * size
    cfg.merge_from_dict({
        'model.backbone.init_cfg.checkpoint': exported['backbone'],
        'model.head.num_classes': 3,
        'data_preprocessor.num_classes': 3,
        'train_cfg.max_epochs': 1,  # 4 images, batch 2: two iterations
        'val_evaluator.topk': (1, 2),
    })
    for key, split in (('train_dataloader', 'train'), ('val_dataloader', 'val'),
                       ('test_dataloader', 'val')):
        cfg[key].dataset.update(data_root=str(root), split=split,
                                metainfo=dict(classes=('n01', 'n02', 'n03')))
    cfg.test_evaluator = cfg.val_evaluator
    cfg = _tiny(cfg, str(tmp_path / layer))
    runner = Runner.from_cfg(cfg)
    runner.train()  # validates once at the end of the epoch
    assert runner.iter == 2
    assert_finite_metrics(runner.message_hub.log_scalars,
                          keys=['train/loss*', 'val/accuracy/top1', 'val/accuracy/top2'])
    top1 = runner.message_hub.get_scalar('val/accuracy/top1').current()
    assert 0 <= top1 <= 100
    # the frozen backbone still holds exactly the exported weights (and BN statistics)
    bb = runner.model.backbone.state_dict()
    for k, v in _state(exported['backbone']).items():
        if k.split('.')[0] in ('conv1', 'conv2', 'conv3', 'conv4', 'conv5'):
            assert torch.equal(bb[k], v), k
    assert runner.model.neck.out_channels == (chans * size * size, )


def test_voc07_script_converts_and_trains(exported, tmp_path):
    voc = make_tiny_voc(str(tmp_path / 'VOCdevkit'))
    work = str(tmp_path / 'work')
    opts = [f'{k}.dataset.data_root={voc}' for k in ('train_dataloader', 'val_dataloader',
                                                    'test_dataloader')]
    opts += [f'{k}.{a}={v}' for k in ('train_dataloader', 'val_dataloader', 'test_dataloader')
             for a, v in (('batch_size', 2), ('num_workers', 0))]
    opts += ['train_cfg.max_iters=1', 'train_cfg.val_interval=1', 'env_cfg.dist_cfg.backend=gloo',
             'default_hooks.checkpoint.interval=1', 'default_hooks.checkpoint.save_best=None']
    proc = subprocess.run(
        ['bash', 'tools/benchmarks/mmpretrain/train_voc07_cls.sh', exported['ckpt'], '1',
         '--cfg-options'] + opts,
        cwd=REPO, capture_output=True, text=True, timeout=600,
        env=tool_env(WORK_DIR=work, EXPORT_ARGS='--rescale-num 2 --rescale-iters 1',
                     PORT=str(__import__('helpers').free_port())))
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    weights = osp.join(work, 'iter_7_caffe-alexnet.pth')
    meta = torch.load(weights, weights_only=True)['meta']
    assert meta['format'] == 'caffe-alexnet' and meta['rescale']['num_images'] == 2
    assert osp.isfile(osp.join(work, 'iter_1.pth'))
    assert_finite_metrics(logged_scalars(work), keys=['loss*', 'multi-label/mAP'])
    # the checkpoint option was merged into the user's --cfg-options, not replaced by them
    dumped = Config.fromfile(osp.join(work, 'caffe-alexnet_voc07-cls-ft.py'))
    assert dumped.model.backbone.init_cfg.checkpoint == weights
    assert dumped.train_cfg.max_iters == 1


def test_linear_probe_script_rejects_unknown_layers(tmp_path):
    proc = subprocess.run(
        ['bash', 'tools/benchmarks/mmpretrain/train_linear_probes.sh', 'missing.pth', '1'],
        cwd=REPO, capture_output=True, text=True, timeout=60,
        env=tool_env(LAYERS='conv1 fc6', WORK_DIR=str(tmp_path / 'w')))
    assert proc.returncode == 2 and "unknown layer 'fc6'" in proc.stderr
    assert not (tmp_path / 'w').exists()  # nothing converted or trained


def test_voc07_10crop_test_averages_ten_views(exported, tmp_path):
    """The 10-crop config tests a checkpoint of the 1-crop config: the weights load through
    the TTA wrapper (tools/test.py's coverage check included), each test batch runs 10
    random 227 views, and the merged score is their average."""
    from mmpretrain.models import AverageClsScoreTTA
    voc = make_tiny_voc(str(tmp_path / 'VOCdevkit'))
    one = Config.fromfile(osp.join(CFG_DIR, 'caffe-alexnet_voc07-cls-ft.py'))
    cfg = Config.fromfile(osp.join(CFG_DIR, 'caffe-alexnet_voc07-cls-ft_10crop.py'))
    assert cfg.model.type == 'AverageClsScoreTTA' and cfg.model.module == one.model
    assert cfg.train_dataloader is None
    one.merge_from_dict({'model.backbone.init_cfg.checkpoint': exported['caffe']})
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        from mmpretrain.registry import MODELS
        trained = MODELS.build(one.model)
    trained.init_weights()
    torch.nn.init.normal_(trained.head.fc.weight, std=0.01)
    ckpt = str(tmp_path / 'ft.pth')
    torch.save(dict(state_dict=trained.state_dict(), meta=dict(iter=2)), ckpt)

    for key in ('val_dataloader', 'test_dataloader'):
        cfg[key].dataset.data_root = voc
        cfg[key].update(batch_size=2, num_workers=0, persistent_workers=False)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.load_from = ckpt
    cfg.custom_hooks = [dict(type='synthssl.CheckpointCoverageHook', checkpoint=ckpt)]
    runner = Runner.from_cfg(cfg)
    assert isinstance(runner.model, AverageClsScoreTTA)
    views, scores = [], []
    runner.model.module.backbone.register_forward_hook(
        lambda m, i, o: views.append(tuple(i[0].shape)))
    runner.model.module.head.register_forward_hook(
        lambda m, i, o: scores.append(torch.sigmoid(o).detach()))
    merged = []
    orig = runner.model.merge_preds
    runner.model.merge_preds = lambda preds: merged.extend(orig(preds)) or merged[-len(preds):]
    metrics = runner.test()
    for k, v in _state(ckpt).items():
        torch.testing.assert_close(runner.model.module.state_dict()[k], v, rtol=0, atol=0)
    assert views == [(2, 3, 227, 227)] * 10  # 2 test images, one batch, 10 views
    torch.testing.assert_close(torch.stack([s.pred_score for s in merged]),
                               torch.stack(scores).mean(0))
    # random views: not all the same
    assert not torch.allclose(scores[0], scores[1])
    assert_finite_metrics(metrics, keys=['multi-label/mAP'])
    assert 0 <= metrics['multi-label/mAP'] <= 100
