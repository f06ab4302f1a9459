# Copyright (c) synthssl contributors.
"""The mmdet transfer configs train and evaluate on a tiny VOC tree from a checkpoint in the
converter's ``caffe-alexnet-mmdet`` key layout, and that checkpoint really is loaded."""
import importlib.util
import os.path as osp
import subprocess
from typing import Dict

import pytest
import torch
from mmengine.config import Config

from helpers import REPO, assert_finite_metrics, logged_scalars
from voc_testdata import SPLITS, make_tiny_voc

CFG_DIR = osp.join(REPO, 'configs', 'benchmarks', 'mmdet')
CONFIGS = ('fast-rcnn_caffe-alexnet_voc07', 'fast-rcnn_caffe-alexnet_voc12',
           'faster-rcnn_caffe-alexnet_voc07')


def converted_state_dict(seed: int) -> Dict[str, torch.Tensor]:
    """A random CaffeAlexNet in the layout ``export_pretrained.py --format
    caffe-alexnet-mmdet`` writes: convs under ``backbone.``, fc6/fc7 as the box head's
    ``shared_fcs.0/1``."""
    from synthssl.models.backbones import CaffeAlexNet
    torch.manual_seed(seed)
    net = CaffeAlexNet()
    net.init_weights()
    out = {}
    for k, v in net.state_dict().items():
        layer, name = k.split('.')
        if layer.startswith('conv'):
            out[f'backbone.{k}'] = v.clone()
        else:
            idx = {'fc6': 0, 'fc7': 1}[layer]
            out[f'roi_head.bbox_head.shared_fcs.{idx}.{name}'] = v.clone()
    return out


@pytest.fixture(scope='module')
def tiny_voc(tmp_path_factory):
    """(VOCdevkit path, checkpoint path): tiny VOC07/12 trees with selective search
    proposals from tools/misc/selective_search_proposals.py, and a converted checkpoint."""
    root = tmp_path_factory.mktemp('voc_det')
    devkit = make_tiny_voc(str(root))
    spec = importlib.util.spec_from_file_location(
        'selective_search_proposals',
        osp.join(REPO, 'tools', 'misc', 'selective_search_proposals.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    for year, splits in SPLITS.items():
        for split in splits:
            tool.run(osp.join(devkit, year), split, workers=1, progress=False,
                     mode='single', max_boxes=200)
    ckpt = str(root / 'caffe-alexnet-mmdet.pth')
    torch.save(dict(state_dict=converted_state_dict(seed=123),
                    meta=dict(format='caffe-alexnet-mmdet', source='random init')), ckpt)
    return devkit, ckpt


def tiny_cfg(name: str, devkit: str, ckpt: str, work_dir: str, max_iters: int = 2) -> Config:
    """The benchmark config shrunk for 2 CPU cores: 160 px images, 100 proposals, 2 iters."""
    cfg = Config.fromfile(osp.join(CFG_DIR, f'{name}.py'))
    cfg.work_dir = work_dir
    cfg.load_from = ckpt
    cfg.train_cfg.max_iters = max_iters
    cfg.train_cfg.val_interval = max_iters
    cfg.default_hooks.checkpoint = None
    cfg.default_hooks.logger.interval = 1
    cfg.log_processor.window_size = 1
    cfg.env_cfg.dist_cfg = dict(backend='gloo')

    def shrink(pipeline):
        for t in pipeline:
            if t['type'] == 'Resize':
                t['scale'] = (213, 160)
            if t['type'] == 'LoadProposals':
                t['num_max_proposals'] = 100
            shrink(t.get('transforms', []))

    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg[key]
        loader.num_workers = 0
        loader.persistent_workers = False
        loader.dataset.data_root = devkit + '/'
        shrink(loader.dataset.pipeline)
    return cfg


def test_configs_describe_the_protocol():
    """What the brief fixes: model parts, proposals per split, AP modes, normalisation."""
    voc07, voc12, faster = (Config.fromfile(osp.join(CFG_DIR, f'{n}.py')) for n in CONFIGS)
    for cfg in (voc07, voc12, faster):
        assert cfg.custom_imports == dict(imports=['synthssl'], allow_failed_imports=False)
        assert cfg.default_scope == 'mmdet'
        m = cfg.model
        assert m.backbone.type == 'synthssl.CaffeAlexNet'
        assert tuple(m.backbone.out_indices) == ('conv5', ) and m.neck is None
        ext = m.roi_head.bbox_roi_extractor
        assert ext.roi_layer == dict(type='synthssl.RoIPool', output_size=6)
        assert list(ext.featmap_strides) == [16]
        head = m.roi_head.bbox_head
        assert (head.type, head.in_channels, head.fc_out_channels, head.roi_feat_size,
                head.num_classes) == ('synthssl.Shared2FCDropoutBBoxHead', 256, 4096, 6, 20)
        assert head.dropout == 0.5  # CaffeNet's drop6 / drop7
        assert m.data_preprocessor.mean == [123.675, 116.28, 103.53]
        assert m.data_preprocessor.std == [255., 255., 255.] and m.data_preprocessor.bgr_to_rgb
        assert cfg.optim_wrapper.optimizer.lr == 0.001
        assert cfg.train_cfg.max_iters == 50000
        assert cfg.param_scheduler[0].milestones == [40000]
        resize = [t for t in cfg.test_dataloader.dataset.pipeline if t['type'] == 'Resize'
                  or t['type'] == 'ProposalBroadcaster']
        assert resize  # single scale 600 (max 1000), inside the broadcaster for Fast R-CNN
    assert voc07.model.type == voc12.model.type == 'FastRCNN' and faster.model.type == 'FasterRCNN'
    assert faster.model.rpn_head.anchor_generator.strides == [16]
    tr07, te07 = voc07.train_dataloader.dataset, voc07.test_dataloader.dataset
    assert (tr07.ann_file, tr07.proposal_file) == (
        'VOC2007/ImageSets/Main/trainval.txt', 'VOC2007/proposals/selective_search_trainval.pkl')
    assert (te07.ann_file, te07.proposal_file) == (
        'VOC2007/ImageSets/Main/test.txt', 'VOC2007/proposals/selective_search_test.pkl')
    tr12, te12 = voc12.train_dataloader.dataset, voc12.test_dataloader.dataset
    assert (tr12.ann_file, tr12.proposal_file) == (
        'VOC2012/ImageSets/Main/train.txt', 'VOC2012/proposals/selective_search_train.pkl')
    assert (te12.ann_file, te12.proposal_file) == (
        'VOC2012/ImageSets/Main/val.txt', 'VOC2012/proposals/selective_search_val.pkl')
    assert tr07.data_root == tr12.data_root == 'data/VOCdevkit/'
    assert voc07.val_evaluator.eval_mode == '11points' and voc12.val_evaluator.eval_mode == 'area'
    assert faster.train_dataloader.dataset.proposal_file is None
    assert not any('Proposal' in t['type'] for t in faster.train_dataloader.dataset.pipeline)


@pytest.mark.parametrize('name', CONFIGS)
def test_config_trains_and_evaluates(name, tiny_voc, tmp_path):
    from mmengine.runner import Runner
    devkit, ckpt = tiny_voc
    from synthssl.models.roi.dropout_bbox_head import Shared2FCDropoutBBoxHead
    runner = Runner.from_cfg(tiny_cfg(name, devkit, ckpt, str(tmp_path)))
    head = runner.model.roi_head.bbox_head
    assert isinstance(head, Shared2FCDropoutBBoxHead) and head.shared_drop.p == 0.5
    before = head.fc_cls.weight.detach().clone()
    runner.train()
    assert runner.iter == 2
    # the classifier was trained (fc_cls is not in the checkpoint, the loss reaches it)
    assert not torch.equal(runner.model.roi_head.bbox_head.fc_cls.weight, before)
    losses = ['train/loss', 'train/loss_cls', 'train/loss_bbox']
    if name.startswith('faster'):
        losses += ['train/loss_rpn_cls', 'train/loss_rpn_bbox']
    # every iteration's losses and the validation at the last one
    assert_finite_metrics(runner.message_hub.log_scalars, keys=losses + ['val/pascal_voc/mAP'])
    metrics = runner.test()
    assert_finite_metrics(metrics, keys=['pascal_voc/mAP'])
    assert 0. <= metrics['pascal_voc/mAP'] <= 1.


def test_amp_on_the_cpu_runs_backbone_and_fcs_in_bf16(tiny_voc, tmp_path):
    """``--amp`` without CUDA (``enable_amp``): the config's ``bf16_autocast_modules`` (the
    convolutions and fc6/fc7) compute in bfloat16; the RPN, NMS, RoI pooling and the box
    layers stay float32 (mmcv's CPU NMS rejects bfloat16); validation and test are float32."""
    from mmengine.runner import Runner
    from synthssl.utils.launch import enable_amp
    devkit, ckpt = tiny_voc
    cfg = tiny_cfg('faster-rcnn_caffe-alexnet_voc07', devkit, ckpt, str(tmp_path))
    enable_amp(cfg, cuda=False)
    assert cfg.optim_wrapper.type == 'synthssl.BF16OptimWrapper'
    assert cfg.optim_wrapper.autocast_modules == [
        'backbone', 'roi_head.bbox_head.shared_fcs.0', 'roi_head.bbox_head.shared_fcs.1']
    runner = Runner.from_cfg(cfg)
    model = runner.model
    seen = []  # (train mode?, layer, dtype)
    layers = dict(conv1=model.backbone.conv1, conv5=model.backbone.conv5,
                  fc6=model.roi_head.bbox_head.shared_fcs[0],
                  fc7=model.roi_head.bbox_head.shared_fcs[1],
                  rpn_conv=model.rpn_head.rpn_conv, fc_reg=model.roi_head.bbox_head.fc_reg)
    for name, m in layers.items():
        m.register_forward_hook(lambda mod, i, o, name=name: seen.append((mod.training, name,
                                                                          o.dtype)))
    runner.train()
    assert runner.iter == 2
    train = {(n, d) for t, n, d in seen if t}
    assert train == {('conv1', torch.bfloat16), ('conv5', torch.bfloat16),
                     ('fc6', torch.bfloat16), ('fc7', torch.bfloat16),
                     ('rpn_conv', torch.float32), ('fc_reg', torch.float32)}, train
    assert sum(1 for t, n, d in seen if t and n == 'conv1') == 2
    # the validation after the last iteration: float32 throughout
    assert {d for t, n, d in seen if not t} == {torch.float32}
    assert_finite_metrics(runner.message_hub.log_scalars,
                          keys=['train/loss', 'train/loss_cls', 'train/loss_bbox',
                                'train/loss_rpn_cls', 'val/pascal_voc/mAP'])
    assert all(p.dtype == torch.float32 for p in model.parameters())
    seen.clear()
    metrics = runner.test()
    assert_finite_metrics(metrics, keys=['pascal_voc/mAP'])
    assert seen and {d for t, n, d in seen} == {torch.float32}


def test_checkpoint_weights_are_loaded(tiny_voc, tmp_path):
    """After Runner.train()'s init + load_from (lr 0, so the step changes nothing), the
    backbone convs and shared_fcs equal the checkpoint's; every checkpoint key is used."""
    from mmengine.runner import Runner
    devkit, ckpt = tiny_voc
    cfg = tiny_cfg('fast-rcnn_caffe-alexnet_voc07', devkit, ckpt, str(tmp_path), max_iters=1)
    cfg.optim_wrapper.optimizer.lr = 0.
    cfg.optim_wrapper.optimizer.weight_decay = 0.
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    runner = Runner.from_cfg(cfg)
    runner.train()
    state = runner.model.state_dict()
    loaded = torch.load(ckpt, map_location='cpu', weights_only=True)['state_dict']
    assert len(loaded) == 14  # conv1..5 + fc6/fc7, weight and bias
    fresh = converted_state_dict(seed=0)
    for key, value in loaded.items():
        assert key in state, f'{key} is not a parameter of the detector'
        assert state[key].shape == value.shape, key
        torch.testing.assert_close(state[key], value, rtol=0, atol=0, msg=key)
        if key.endswith('weight'):  # a differently seeded init would not match by chance
            assert not torch.equal(fresh[key], value)
    assert state['roi_head.bbox_head.shared_fcs.0.weight'].shape == (4096, 256 * 6 * 6)


def test_train_script_converts_then_launches(tiny_voc, tmp_path):
    """train_fast_rcnn.sh end to end: usage and missing-file errors, then a real pretraining
    checkpoint converted by export_pretrained.py and trained through dist_train.sh."""
    from helpers import free_port, tool_env
    from mmpretrain_bench_helpers import make_pretrain_checkpoint
    script = osp.join(REPO, 'tools', 'benchmarks', 'mmdet', 'train_fast_rcnn.sh')
    proc = subprocess.run(['bash', script, 'a.pth'], capture_output=True, text=True)
    assert proc.returncode == 2 and 'usage' in proc.stderr
    cfg_file = osp.join(CFG_DIR, 'fast-rcnn_caffe-alexnet_voc07.py')
    proc = subprocess.run(['bash', script, str(tmp_path / 'missing.pth'), cfg_file, '1'],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and 'missing.pth does not exist' in proc.stderr

    devkit, _ = tiny_voc
    pretrain = make_pretrain_checkpoint(str(tmp_path / 'iter_7.pth'))
    work = str(tmp_path / 'wd')
    cfg = tiny_cfg('fast-rcnn_caffe-alexnet_voc07', devkit, 'unused.pth', work, max_iters=1)
    tiny = str(tmp_path / 'fast-rcnn_tiny.py')
    cfg.dump(tiny)
    proc = subprocess.run(['bash', script, pretrain, tiny, '1'], cwd=REPO, capture_output=True,
                          text=True, timeout=900,
                          env=tool_env(WORK_DIR=work, PORT=str(free_port())))
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    converted = osp.join(work, 'pretrain_caffe-alexnet-mmdet.pth')
    meta = torch.load(converted, weights_only=True)['meta']
    assert meta['format'] == 'caffe-alexnet-mmdet' and meta['iter'] == 7
    log = proc.stdout + proc.stderr
    assert f'Load checkpoint from {converted}' in log
    assert_finite_metrics(logged_scalars(work), keys=['loss', 'loss_cls', 'loss_bbox',
                                                      'pascal_voc/mAP'])
