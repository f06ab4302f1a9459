# Copyright (c) synthssl contributors.
import argparse

import pytest
from mmengine.config import Config

from synthssl.utils.launch import enable_amp, merge_common_args


def test_enable_amp_single_and_named_wrappers():
    cfg = Config(dict(optim_wrapper=dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=1))))
    enable_amp(cfg, cuda=True)
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert cfg.optim_wrapper.loss_scale == 'dynamic'

    # An OptimWrapperDict constructor config (adversarial training: one wrapper per module).
    cfg = Config(dict(optim_wrapper=dict(
        constructor='synthssl.MultiOptimWrapperConstructor',
        generator=dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3)),
        discriminator=dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=1e-3),
                           loss_scale=512.))))
    enable_amp(cfg, cuda=True)
    assert cfg.optim_wrapper.generator.type == 'AmpOptimWrapper'
    assert cfg.optim_wrapper.discriminator.type == 'AmpOptimWrapper'
    assert cfg.optim_wrapper.discriminator.loss_scale == 512.  # user setting kept
    assert cfg.optim_wrapper.constructor == 'synthssl.MultiOptimWrapperConstructor'

    # Without CUDA: bfloat16 autocast, no loss scaler, for every named wrapper.
    cfg = Config(dict(optim_wrapper=dict(
        constructor='synthssl.MultiOptimWrapperConstructor',
        generator=dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3)),
        discriminator=dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=1e-3)))))
    enable_amp(cfg, cuda=False)
    for name in ('generator', 'discriminator'):
        assert cfg.optim_wrapper[name].type == 'synthssl.BF16OptimWrapper'
        assert 'loss_scale' not in cfg.optim_wrapper[name]

    with pytest.raises(ValueError, match='no optimizer wrapper'):
        enable_amp(Config(dict(optim_wrapper=dict(foo=1))))


def test_merge_common_args_work_dir_priority():
    args = argparse.Namespace(launcher='none', work_dir=None, cfg_options={'a.b': 2},
                              config='configs/x/my_cfg.py')
    cfg = merge_common_args(Config(dict(a=dict(b=1))), args)
    assert cfg.work_dir == './work_dirs/my_cfg' and cfg.a.b == 2 and cfg.launcher == 'none'
    args.work_dir = '/tmp/wd'
    assert merge_common_args(Config(dict(work_dir='cfg_wd')), args).work_dir == '/tmp/wd'
    args.work_dir = None
    assert merge_common_args(Config(dict(work_dir='cfg_wd')), args).work_dir == 'cfg_wd'


def test_latest_checkpoint_skips_truncated_files_and_trusts_no_stale_pointer(tmp_path):
    import os
    import time

    import torch

    from synthssl.utils.launch import latest_checkpoint
    assert latest_checkpoint(str(tmp_path)) is None
    torch.save({'a': 1}, tmp_path / 'iter_2.pth')
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'iter_2.pth'))
    time.sleep(0.01)
    torch.save({'a': 2}, tmp_path / 'iter_4.pth')  # saved, pointer not yet updated
    assert latest_checkpoint(str(tmp_path)) == str(tmp_path / 'iter_4.pth')
    time.sleep(0.01)
    data = (tmp_path / 'iter_4.pth').read_bytes()
    (tmp_path / 'iter_6.pth').write_bytes(data[:len(data) // 2])  # killed mid-write
    (tmp_path / 'notes.pth').write_bytes(data)  # not a runner checkpoint name
    assert latest_checkpoint(str(tmp_path)) == str(tmp_path / 'iter_4.pth')
    os.remove(tmp_path / 'iter_4.pth')
    assert latest_checkpoint(str(tmp_path)) == str(tmp_path / 'iter_2.pth')


def test_register_all_modules_sets_the_scope_and_registers_everything():
    from mmengine.registry import DefaultScope

    from synthssl.registry import DATASETS, METRICS, MODELS, TRANSFORMS
    from synthssl.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    assert DefaultScope.get_current_instance().scope_name == 'synthssl'
    for registry, name in ((MODELS, 'CrossDomainMultiTask'), (MODELS, 'SynthAlexNet'),
                           (DATASETS, 'SynRealPairDataset'), (TRANSFORMS, 'InstanceToContour'),
                           (METRICS, 'DepthMetric')):
        assert registry.get(name) is not None, name


def test_missing_files_are_named(tmp_path):
    import pytest as _pytest

    from synthssl.utils.launch import require_files
    (tmp_path / 'a.py').write_text('')
    require_files(config=str(tmp_path / 'a.py'))
    with _pytest.raises(FileNotFoundError, match='checkpoint .*b.pth does not exist'):
        require_files(config=str(tmp_path / 'a.py'), checkpoint=str(tmp_path / 'b.pth'))
