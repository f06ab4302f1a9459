# Copyright (c) synthssl contributors.
"""What ``tools/train.py`` and ``tools/test.py`` share: config merging and device set-up.

The launchers run configs of every OpenMMLab scope (synthssl, mmpretrain, mmdet, mmseg); the
config's ``default_scope`` decides which registries build it. Nothing here forces a
``collate_fn`` on the dataloaders (mmdet relies on mmengine's ``pseudo_collate``): configs
that want ``default_collate`` say so.
"""
import glob
import os
import os.path as osp
import re
import zipfile
from argparse import ArgumentParser, Namespace
from typing import Dict, Optional

from mmengine.config import Config, DictAction

from synthssl.engine.fileio import trust_checkpoint
from synthssl.utils.malloc import tune_malloc


def add_common_args(parser: ArgumentParser) -> None:
    """The options train.py and test.py share: --work-dir, --cfg-options, --launcher,
    --local-rank (torch.distributed.launch passes it; torchrun sets LOCAL_RANK)."""
    parser.add_argument('--work-dir', help='the dir to save logs, checkpoints and metrics')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value (key="[a,b]" for lists)')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    parser.add_argument(
        '--trust-checkpoint',
        action='append',
        default=[],
        metavar='PATH',
        help='load this checkpoint file with full unpickling (it can run code stored in the '
        'file): only for a file you trust that the safe loader refuses; repeatable')


def require_files(**files: str) -> None:
    """Raise ``FileNotFoundError`` naming the first missing file, e.g.
    ``require_files(config=args.config, checkpoint=args.checkpoint)``."""
    for what, path in files.items():
        if not osp.isfile(path):
            raise FileNotFoundError(f'{what} {path} does not exist')


def parse_args_with_local_rank(parser: ArgumentParser) -> Namespace:
    """Parse, and export ``LOCAL_RANK`` from ``--local-rank`` when the launcher did not."""
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def merge_common_args(cfg: Config, args: Namespace) -> Config:
    """Apply the CLI options that train and test share to ``cfg`` (in place)."""
    for path in getattr(args, 'trust_checkpoint', None) or []:
        trust_checkpoint(path)
    cfg.launcher = args.launcher
    # work_dir priority: CLI > config > ./work_dirs/<config name>
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    return cfg


def enable_amp(cfg: Config, cuda: Optional[bool] = None) -> None:
    """Switch the config's optimiser wrapper(s) to mixed precision: mmengine's
    ``AmpOptimWrapper`` (fp16 with dynamic loss scaling) with CUDA, synthssl's
    ``BF16OptimWrapper`` (bfloat16 autocast, no scaler) on a CPU-only machine.

    Works for a single wrapper and for an ``OptimWrapperDict`` constructor config whose
    values are wrapper configs (one per sub-module, as in adversarial training). A config
    whose model cannot run wholly in bfloat16 on the CPU (mmdet's detectors: mmcv's CPU NMS
    is float32-only) names the submodules that may in ``bf16_autocast_modules``; they become
    the ``BF16OptimWrapper``'s ``autocast_modules``.

    Args:
        cfg (Config): modified in place.
        cuda (bool, optional): whether to use the GPU path; default: CUDA is available.
    """
    if cuda is None:
        import torch
        cuda = torch.cuda.is_available()
    optim_wrapper = cfg.optim_wrapper
    if 'type' in optim_wrapper and 'optimizer' in optim_wrapper:
        wrappers = [optim_wrapper]
    else:  # a dict of named wrappers
        wrappers = [v for v in optim_wrapper.values() if isinstance(v, dict) and 'optimizer' in v]
    if not wrappers:
        raise ValueError('--amp: found no optimizer wrapper config in cfg.optim_wrapper')
    for wrapper in wrappers:
        if cuda:
            wrapper['type'] = 'AmpOptimWrapper'
            wrapper.setdefault('loss_scale', 'dynamic')
        else:
            wrapper['type'] = 'synthssl.BF16OptimWrapper'
            if cfg.get('bf16_autocast_modules'):
                wrapper['autocast_modules'] = list(cfg.bf16_autocast_modules)


def enable_test_amp(cfg: Config) -> None:
    """Run the config's test loop under mixed precision: mmengine's ``autocast`` through
    ``test_cfg.fp16`` (bfloat16 on the CPU, float16 on CUDA). Modifies ``cfg`` in place."""
    test_cfg = dict(cfg.get('test_cfg') or {})
    if test_cfg.get('type', 'TestLoop').split('.')[-1] != 'TestLoop':
        raise ValueError(f"--amp: test_cfg.type {test_cfg['type']!r} is not mmengine's "
                         'TestLoop, whose fp16 switch --amp sets')
    test_cfg['fp16'] = True
    cfg.test_cfg = test_cfg


def latest_checkpoint(work_dir: str) -> Optional[str]:
    """The most recently written *complete* checkpoint in ``work_dir``, or None.

    mmengine's auto-resume trusts only the ``last_checkpoint`` pointer, which its
    CheckpointHook writes after the checkpoint: a job killed in between restarts from
    scratch, and one killed while writing a checkpoint leaves a truncated file. Here every
    ``iter_*.pth`` / ``epoch_*.pth`` (and the pointer's target) is a candidate; files that
    are not complete zip archives (torch's format) are skipped; the newest one wins.
    """
    candidates = set(glob.glob(osp.join(work_dir, '*.pth')))
    pointer = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(pointer):
        with open(pointer, encoding='utf-8') as f:
            target = f.read().strip()
        if target:
            candidates.add(target)
    complete = [p for p in candidates
                if re.fullmatch(r'(iter|epoch)_\d+\.pth', osp.basename(p))
                and osp.isfile(p) and zipfile.is_zipfile(p)]
    return max(complete, key=osp.getmtime) if complete else None


def setup_device(cfg: Config) -> None:
    """Make a distributed launch work without CUDA (CPU processes, gloo backend).

    mmengine's ``init_dist`` calls ``torch.cuda.set_device`` unconditionally, which fails on a
    machine without GPU, and its default DDP wrapper passes ``device_ids=[LOCAL_RANK]``, which
    DDP rejects for CPU modules. With torchrun's environment present and no CUDA, this
    initialises the process group with gloo itself (mmengine then skips ``init_dist``) and
    wraps the model without ``device_ids``. With CUDA nothing is changed.
    """
    import torch
    import torch.distributed as dist
    if cfg.launcher == 'none' or torch.cuda.is_available():
        return
    if cfg.launcher != 'pytorch':
        raise RuntimeError(
            f'launcher {cfg.launcher!r} needs CUDA on this machine; on CPU use '
            "--launcher pytorch (tools/dist_train.sh), which runs with the gloo backend")
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})['backend'] = 'gloo'
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo')
    if cfg.get('model_wrapper_cfg') is None:
        cfg.model_wrapper_cfg = dict(
            type='MMDistributedDataParallel',
            broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False))
    # The Runner fills in device_ids=[LOCAL_RANK] for DDP subclasses unless it is given.
    from mmengine.registry import MODEL_WRAPPERS
    from torch.nn.parallel import DistributedDataParallel
    wrapper_cls = MODEL_WRAPPERS.get(cfg.model_wrapper_cfg.get('type', 'MMDistributedDataParallel'))
    if isinstance(wrapper_cls, type) and issubclass(wrapper_cls, DistributedDataParallel):
        cfg.model_wrapper_cfg.setdefault('device_ids', None)


def teardown_distributed() -> None:
    """Destroy the process group, if any, before the interpreter exits.

    Neither mmengine nor torchrun does it; a gloo group left alive can abort the process at
    shutdown ("terminate called without an active exception") after a successful run.
    """
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def prepare_process_env() -> None:
    """Process-wide settings, to call before torch starts its thread pools.

    ``OMP_WAIT_POLICY=PASSIVE``: with OpenMP's default spin-waiting, a two-thread elementwise
    op ran ~27x slower on a busy 2-core machine. A value the user set is respected.
    glibc's malloc keeps freed memory for reuse (:func:`synthssl.utils.malloc.tune_malloc`;
    ``SYNTHSSL_MALLOC_TUNING=0`` turns it off): large tensors are otherwise page-faulted in
    anew at every training step.
    """
    os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')
    tune_malloc()


def thread_env(threads: int) -> Dict[str, str]:
    """Environment variables that give a process (and the OpenMP/MKL pools it starts)
    ``threads`` threads with passive waiting: what a tool sets for the stages it launches."""
    return dict(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads),
                OMP_WAIT_POLICY='PASSIVE')
