# Copyright (c) synthssl contributors.
"""Train with any OpenMMLab 2.0 config: synthssl, mmpretrain, mmdet or mmseg.

The config's ``default_scope`` decides which registries build it, so this one launcher runs
synthssl pretraining and the mmpretrain/mmdet/mmseg transfer configs alike::

    python tools/train.py configs/renlee/alexnet_3task.py
    bash tools/dist_train.sh configs/renlee/alexnet_3task.py 8 --amp
"""
import argparse
import os.path as osp

# Before torch is imported (thread pools, torch.load defaults).
from synthssl.utils.launch import prepare_process_env

prepare_process_env()

from mmengine.config import Config  # noqa: E402
from mmengine.logging import print_log  # noqa: E402
from mmengine.registry import RUNNERS  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

from synthssl.utils.launch import (add_common_args, enable_amp,  # noqa: E402
                                   latest_checkpoint, merge_common_args,
                                   parse_args_with_local_rank, require_files,
                                   setup_device, teardown_distributed)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    add_common_args(parser)
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint; without a path, from the latest '
        'checkpoint in the work directory')
    parser.add_argument(
        '--amp', action='store_true',
        help='mixed precision: fp16 with loss scaling on CUDA, bfloat16 on the CPU')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='do not evaluate checkpoints during training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the learning rate by actual / base batch size')
    parser.add_argument(
        '--no-pin-memory',
        action='store_true',
        help='disable pin_memory in the dataloaders')
    parser.add_argument(
        '--no-persistent-workers',
        action='store_true',
        help='disable persistent_workers in the dataloaders')
    return parse_args_with_local_rank(parser)


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Merge the CLI arguments into ``cfg``."""
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None
    if args.amp:
        enable_amp(cfg)
    cfg = merge_common_args(cfg, args)
    if args.resume == 'auto':
        # A checkpoint of this run wins; without one, the run starts as configured, from the
        # config's (or --cfg-options') ``load_from`` weights when it names some: resuming a
        # fine-tuning job must not drop its pretrained initialisation.
        found = latest_checkpoint(cfg.work_dir)
        cfg.resume = found is not None
        if found is not None:
            cfg.load_from = found
            msg = f'--resume: resuming from {found}'
        elif cfg.get('load_from'):
            msg = (f'--resume: no complete checkpoint in {cfg.work_dir}; starting from '
                   f'load_from={cfg.load_from}')
        else:
            msg = f'--resume: no complete checkpoint in {cfg.work_dir}; training from scratch'
        print_log(msg, logger='current')
    elif args.resume is not None:
        if not osp.isfile(args.resume):
            raise FileNotFoundError(f'--resume: checkpoint {args.resume} does not exist')
        cfg.resume = True
        cfg.load_from = args.resume
    if args.auto_scale_lr:
        if 'auto_scale_lr' not in cfg:
            raise KeyError(f'--auto-scale-lr: {args.config} has no `auto_scale_lr` '
                           '(base_batch_size) setting')
        cfg.auto_scale_lr.enable = True
    for field in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if cfg.get(field) is None:
            continue
        if args.no_pin_memory:
            cfg[field]['pin_memory'] = False
        if args.no_persistent_workers:
            cfg[field]['persistent_workers'] = False
    return cfg


def main() -> None:
    args = parse_args()
    require_files(config=args.config)
    cfg = Config.fromfile(args.config)
    cfg = merge_args(cfg, args)
    setup_device(cfg)
    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg \
        else RUNNERS.build(cfg)
    runner.train()
    teardown_distributed()


if __name__ == '__main__':
    main()
