# Copyright (c) synthssl contributors.
"""Test (evaluate) a checkpoint with any OpenMMLab 2.0 config: synthssl, mmpretrain, mmdet,
mmseg::

    python tools/test.py CONFIG CHECKPOINT [--out results.pkl] [--work-dir DIR] [--amp]
    bash tools/dist_test.sh CONFIG CHECKPOINT 8
"""
import argparse

from synthssl.utils.launch import prepare_process_env

prepare_process_env()

from mmengine.config import Config  # noqa: E402
from mmengine.evaluator import DumpResults  # noqa: E402
from mmengine.registry import RUNNERS  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

from synthssl.utils.launch import (add_common_args, enable_test_amp,  # noqa: E402
                                   merge_common_args, parse_args_with_local_rank,
                                   require_files, setup_device, teardown_distributed)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and evaluate) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    add_common_args(parser)
    parser.add_argument(
        '--out', help='dump the raw predictions to this pickle file')
    parser.add_argument(
        '--out-item',
        choices=['metrics', 'pred'],
        default='pred',
        help="what --out holds: 'pred' (raw predictions) or 'metrics'")
    parser.add_argument(
        '--amp', action='store_true',
        help='mixed-precision inference: bfloat16 autocast on the CPU, float16 on CUDA')
    parser.add_argument(
        '--allow-partial-load',
        action='store_true',
        help='evaluate even if the checkpoint leaves some of the model\'s parameters '
        'uninitialised (by default that is an error)')
    return parse_args_with_local_rank(parser)


def main() -> None:
    args = parse_args()
    require_files(config=args.config, checkpoint=args.checkpoint)
    cfg = Config.fromfile(args.config)
    cfg = merge_common_args(cfg, args)
    if args.amp:
        enable_test_amp(cfg)
    cfg.load_from = args.checkpoint
    cfg.custom_hooks = list(cfg.get('custom_hooks') or []) + [
        dict(type='synthssl.CheckpointCoverageHook', checkpoint=args.checkpoint,
             allow_partial=args.allow_partial_load)
    ]
    if cfg.get('test_dataloader') is None or cfg.get('test_evaluator') is None:
        raise KeyError(f'{args.config} has no test_dataloader/test_evaluator to test with')
    setup_device(cfg)
    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg \
        else RUNNERS.build(cfg)
    if args.out and args.out_item == 'pred':
        if not args.out.endswith(('.pkl', '.pickle')):
            raise ValueError(f'--out must be a .pkl file, got {args.out}')
        runner.test_evaluator.metrics.append(DumpResults(out_file_path=args.out))
    metrics = runner.test()
    if args.out and args.out_item == 'metrics':
        from mmengine.fileio import dump
        dump(metrics, args.out)
    teardown_distributed()


if __name__ == '__main__':
    main()
