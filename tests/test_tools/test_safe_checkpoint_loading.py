# Copyright (c) synthssl contributors.
"""Checkpoint loading never runs code stored in a file.

A crafted pickle whose unpickling would create a marker file is pushed through every path
that loads a checkpoint (mmengine's loader, ``load_from``, ``--resume`` explicit and auto,
``init_cfg=Pretrained``, ``tools/test.py``, the model converter, the analysis tools, the AT/DT
stage hand-off); each refuses it with a message naming the file, the global and the opt-in,
and the marker never appears. Legitimate runner checkpoints load through the allow-list."""
import os
import os.path as osp
import shutil
import subprocess
import sys
import zipfile

import pytest
import torch
from mmengine.logging.history_buffer import HistoryBuffer

from helpers import TINY_CLS_CFG, data_root_options, run_tool, tool_env

from synthssl.engine.fileio import (TRUSTED_ENV, UnsafeCheckpointError, load_checkpoint_file)


class _Payload:
    """Unpickles as ``exec(code)``: creates ``marker`` when unpickled in full."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return exec, (f'open({self.marker!r}, "w").close()', )


class _AttributeWalk:
    """Unpickles as ``getattr(HistoryBuffer, '__init__')``: an attribute walk from an allowed
    class (the first step towards ``__globals__``)."""

    def __reduce__(self):
        return getattr, (HistoryBuffer, '__init__')


@pytest.fixture
def evil(trained, tmp_path):
    """(checkpoint, marker): the real checkpoint's tensors plus a code payload."""
    marker = str(tmp_path / 'PAYLOAD_RAN')
    state = torch.load(trained[1], map_location='cpu', weights_only=False)
    state['meta']['hook_msgs'] = {'x': _Payload(marker)}
    path = str(tmp_path / 'evil.pth')
    torch.save(state, path)
    return path, marker


def _assert_refused(message: str, path: str, marker: str, global_name: str = 'builtins.exec'):
    assert not osp.exists(marker), 'the payload ran'
    assert path in message, message
    assert global_name in message, message
    assert TRUSTED_ENV in message and '--trust-checkpoint' in message, message


def test_import_synthssl_leaves_torch_load_alone(evil):
    """Importing synthssl sets no environment variable, patches nothing and allows no global:
    torch's own default still refuses the payload."""
    path, marker = evil
    code = ('import os, pickle, torch\n'
            'load, before = torch.load, dict(os.environ)\n'
            'import synthssl, synthssl.models, synthssl.datasets\n'
            'assert torch.load is load and torch.serialization.load is load\n'
            'changed = {k for k in set(os.environ) | set(before) if os.environ.get(k) != before.get(k)}\n'
            '# mmseg/mmpretrain set TOKENIZERS_PARALLELISM, torch TORCHINDUCTOR_CACHE_DIR\n'
            'assert not [k for k in changed if "WEIGHTS" in k or "SYNTHSSL" in k], changed\n'
            '# torch registers its own classes as it imports its modules; nothing else:\n'
            'owners = {(g[0] if isinstance(g, tuple) else g).__module__.split(".")[0]\n'
            '          for g in torch.serialization.get_safe_globals()}\n'
            'assert owners <= {"torch", "builtins", "traceback"}, owners\n'
            'assert getattr not in torch.serialization.get_safe_globals()\n'
            'try:\n'
            f'    torch.load({path!r})\n'
            'except pickle.UnpicklingError:\n'
            '    print("REFUSED")\n')
    env = tool_env()
    env.pop('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', None)
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=env,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert 'REFUSED' in out.stdout
    assert not osp.exists(marker)


def test_runner_checkpoint_needs_only_the_allow_list(trained):
    """Every global of a real runner checkpoint is allowed, and it loads with weights_only
    through mmengine's loader (the scheme synthssl registers)."""
    from mmengine.runner import CheckpointLoader

    from synthssl.engine.fileio.safe_checkpoint import _allowed_names
    needed = set(torch.serialization.get_unsafe_globals_in_checkpoint(trained[1]))
    assert 'mmengine.logging.history_buffer.HistoryBuffer' in needed
    assert needed <= _allowed_names()
    ckpt = CheckpointLoader.load_checkpoint(trained[1], map_location='cpu')
    assert ckpt['meta']['iter'] == 2
    hist = ckpt['message_hub']['log_scalars']['train/loss']
    assert isinstance(hist, HistoryBuffer) and hist.min() <= hist.max()
    # The same file without synthssl's loader: torch's default refuses it (what the
    # allow-list is for).
    with pytest.raises(Exception, match='HistoryBuffer'):
        torch.load(trained[1], map_location='cpu')


def test_numpy1_module_names_still_load(trained, tmp_path):
    """Files written under numpy 1 name ``numpy.core.multiarray``: still loaded safely."""
    src, dst = trained[1], str(tmp_path / 'numpy1.pth')
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, 'w', zipfile.ZIP_STORED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.endswith('data.pkl'):
                assert b'numpy._core.multiarray' in data
                data = data.replace(b'numpy._core.multiarray', b'numpy.core.multiarray')
            zout.writestr(item, data)
    assert 'numpy.core.multiarray.scalar' in \
        torch.serialization.get_unsafe_globals_in_checkpoint(dst)
    ckpt = load_checkpoint_file(dst, map_location='cpu')
    ref = load_checkpoint_file(src, map_location='cpu')
    assert ckpt['message_hub']['log_scalars'].keys() == ref['message_hub']['log_scalars'].keys()


def test_attribute_walks_through_getattr_are_refused(trained, tmp_path):
    """``builtins.getattr`` stands for a getattr that resolves only HistoryBuffer's
    statistics methods."""
    state = torch.load(trained[1], map_location='cpu', weights_only=False)
    state['meta']['walk'] = _AttributeWalk()
    path = str(tmp_path / 'walk.pth')
    torch.save(state, path)
    with pytest.raises(UnsafeCheckpointError) as e:
        load_checkpoint_file(path)
    assert path in str(e.value) and "getattr(HistoryBuffer, '__init__')" in str(e.value)


def test_mmengine_loader_refuses_the_payload(evil):
    from mmengine.runner import CheckpointLoader
    path, marker = evil
    with pytest.raises(UnsafeCheckpointError) as e:
        CheckpointLoader.load_checkpoint(path, map_location='cpu')
    _assert_refused(str(e.value), path, marker)


def test_trusted_file_opt_in_applies_to_that_file_only(evil, tmp_path, monkeypatch):
    path, marker = evil
    other = str(tmp_path / 'other.pth')
    shutil.copy(path, other)
    monkeypatch.setenv(TRUSTED_ENV, other)
    with pytest.raises(UnsafeCheckpointError):
        load_checkpoint_file(path)
    assert not osp.exists(marker)
    with pytest.warns(UserWarning, match='full unpickling'):
        load_checkpoint_file(other)
    assert osp.exists(marker)  # the user's explicit trust: the file's code did run


def test_init_cfg_pretrained_refuses_the_payload(evil):
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import MODELS
    path, marker = evil
    cfg = dict(type='synthssl.SynthAlexNet', out_indices=('fc7', ),
               init_cfg=dict(type='Pretrained', checkpoint=path, prefix='backbone.'))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(cfg)
    with pytest.raises(UnsafeCheckpointError) as e:
        model.init_weights()
    _assert_refused(str(e.value), path, marker)


def test_empty_pretrained_checkpoint_names_the_option():
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import MODELS
    cfg = dict(type='synthssl.SynthAlexNet', out_indices=('fc7', ),
               init_cfg=dict(type='Pretrained', checkpoint='', prefix='backbone.'))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(cfg)
    with pytest.raises(ValueError, match=r'init_cfg\.checkpoint'):
        model.init_weights()


def test_analysis_tools_and_atdt_refuse_the_payload(evil):
    import torch.nn as nn

    from synthssl.models.algorithms.atdt_transfer import _load_state_dict
    from synthssl.utils.analysis import load_weights
    path, marker = evil
    with pytest.raises(UnsafeCheckpointError) as e:
        load_weights(nn.Linear(2, 2), path)
    _assert_refused(str(e.value), path, marker)
    with pytest.raises(UnsafeCheckpointError) as e:
        _load_state_dict(path, 'source')
    _assert_refused(str(e.value), path, marker)


def test_model_converter_refuses_the_payload(evil, tmp_path):
    path, marker = evil
    out = subprocess.run(
        [sys.executable, 'tools/model_converters/export_pretrained.py', path,
         str(tmp_path / 'out.pth')], cwd=osp.dirname(osp.dirname(osp.dirname(__file__))),
        env=tool_env(), capture_output=True, text=True, timeout=300)
    assert out.returncode == 1, out.stderr[-3000:]
    _assert_refused(out.stderr, path, marker)
    assert not osp.exists(tmp_path / 'out.pth')


def _tool_fails(args):
    proc = subprocess.run(args, cwd=osp.dirname(osp.dirname(osp.dirname(__file__))),
                          env=tool_env(), capture_output=True, text=True, timeout=600)
    assert proc.returncode != 0, proc.stdout[-3000:]
    return proc.stdout + proc.stderr


@pytest.mark.parametrize('how', ['load_from', 'resume', 'auto-resume', 'test'])
def test_tools_refuse_the_payload(how, evil, toy_shapes_root, tmp_path):
    path, marker = evil
    work = str(tmp_path / 'work')
    opts = ['--cfg-options', *data_root_options(toy_shapes_root), 'train_cfg.max_iters=3']
    if how == 'load_from':
        args = ['tools/train.py', TINY_CLS_CFG, '--work-dir', work, *opts, f'load_from={path}']
    elif how == 'resume':
        args = ['tools/train.py', TINY_CLS_CFG, '--work-dir', work, '--resume', path, *opts]
    elif how == 'auto-resume':  # a crafted file planted as the newest checkpoint
        os.makedirs(work)
        shutil.copy(path, osp.join(work, 'iter_2.pth'))
        path = osp.join(work, 'iter_2.pth')
        args = ['tools/train.py', TINY_CLS_CFG, '--work-dir', work, '--resume', *opts]
    else:
        args = ['tools/test.py', TINY_CLS_CFG, path, '--work-dir', work, *opts[:-1]]
    log = _tool_fails([sys.executable, *args])
    _assert_refused(log, path, marker)


def test_test_tool_refuses_a_checkpoint_that_leaves_weights_random(trained, toy_shapes_root,
                                                                   tmp_path):
    """A checkpoint holding only part of the model is an error unless asked for."""
    state = torch.load(trained[1], map_location='cpu', weights_only=False)
    state['state_dict'] = {k: v for k, v in state['state_dict'].items()
                           if not k.startswith('head.')}
    partial = str(tmp_path / 'partial.pth')
    torch.save(state, partial)
    args = [sys.executable, 'tools/test.py', TINY_CLS_CFG, partial, '--work-dir',
            str(tmp_path), '--cfg-options', *data_root_options(toy_shapes_root)]
    log = _tool_fails(args)
    assert partial in log and '--allow-partial-load' in log and 'head.fc.weight' in log
    proc = run_tool(args[:4] + ['--allow-partial-load'] + args[4:])
    assert 'accuracy/top1' in proc.stdout + proc.stderr
