# Copyright (c) synthssl contributors.
"""tools/atdt/run_pipeline.py on tiny renders, run through its main() in this process: the
four stages + baseline + the in-domain test, per-class IoU in the summary, checkpoints handed
between stages, a second run skips every finished stage; an ablation variant (non-shared N1)
in the same work dir reuses N2; and one stage through the default tools/train.py subprocess."""
import importlib.util
import json
import math
import os.path as osp

import pytest
from mmengine.config import Config

from atdt_helpers import TINY_FEAT, TINY_NET_OPTIONS
from helpers import REPO, assert_finite_metrics, logged_scalars

CLASSES = ('floor', 'wall', 'ceiling', 'box', 'cylinder', 'sphere', 'table', 'chair', 'shelf',
           'mesh')


@pytest.fixture(scope='module')
def pipeline():
    spec = importlib.util.spec_from_file_location(
        'atdt_run_pipeline', osp.join(REPO, 'tools', 'atdt', 'run_pipeline.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _args(pair, work, extra=()):
    return ['--pair', 'render-indoor2warm', '--work-dir', str(work), '--iters', '2', '1', '1',
            '--data-root-a', pair['domain_a_train'], '--data-root-b', pair['domain_b_train'],
            '--data-root-a-val', pair['domain_a_val'],
            '--data-root-b-val', pair['domain_b_val'],
            *extra,
            '--net-options', *TINY_NET_OPTIONS,
            '--transfer-options', f'model.transfer.in_channels={TINY_FEAT}',
            f'model.transfer.out_channels={TINY_FEAT}', 'model.transfer.channels=8',
            '--cfg-options', 'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
            'train_dataloader.persistent_workers=False', 'val_dataloader.num_workers=0',
            'val_dataloader.persistent_workers=False', 'test_dataloader.num_workers=0',
            'test_dataloader.persistent_workers=False',  # 64x64 renders: the crop is the image
            'default_hooks.logger.interval=1']  # every iteration's losses are logged


def _semantic(m):
    # per-class IoU is NaN for a class absent from gt and prediction; all else must be finite
    assert_finite_metrics(m, ignore=['IoU.*'])
    assert_finite_metrics(m, keys=['aAcc', 'mIoU'])
    ious = [m[f'IoU.{c}'] for c in CLASSES]
    finite = [v for v in ious if math.isfinite(v)]
    assert finite and m['mIoU'] == pytest.approx(sum(finite) / len(finite), abs=0.01)


def test_pipeline_dep2sem_and_nonshared_variant(pipeline, atdt_pair, tmp_path, capsys):
    work = tmp_path / 'work'
    args = _args(atdt_pair, work, ['--direction', 'dep2sem', '--baseline', '--in-process'])
    summary = pipeline.main(args)
    assert json.loads((work / 'summary.json').read_text()) == json.loads(json.dumps(summary))
    assert summary['direction'] == 'dep2sem' and summary['variant'] is None
    assert set(summary['metrics']) == {'atdt', 'baseline'}
    for name in ('atdt', 'baseline'):
        _semantic(summary['metrics'][name])
    ck = summary['checkpoints']
    assert ck['n1'].endswith('iter_2.pth') and ck['n2'].endswith('iter_1.pth')
    # stage 3 ran with the stage-1/2 checkpoints and the tiny nets
    cfg3 = Config.fromfile(str(work / 'transfer_dep2sem_transfer' / 'config.py'))
    assert (cfg3.model.source_checkpoint, cfg3.model.target_checkpoint) == (ck['n1'], ck['n2'])
    # every stage's training losses (each iteration) were finite
    for stage in ('n1_depth_AB', 'n2_semantic_A', 'transfer_dep2sem_transfer'):
        assert_finite_metrics(logged_scalars(str(work / stage)), keys=['loss*'])
    # the data roots were replaced in every stage
    for stage in ('n1_depth_AB', 'n2_semantic_A', 'transfer_dep2sem_transfer'):
        text = (work / stage / 'config.py').read_text()
        assert atdt_pair['domain_a_train'] in text and 'data/atdt/render' not in \
            text.split('train_dataloader')[1], stage
    # resumable: a second run trains and tests nothing
    capsys.readouterr()
    again = pipeline.main(args)
    out = capsys.readouterr().out
    assert '+ ' not in out and out.count('] done:') == 3
    assert again['metrics'] == summary['metrics']

    # Tab. 5 variant in the same work dir: N1^A and N1^B are new stages, N2 is reused
    var = pipeline.main(_args(atdt_pair, work, ['--variant', 'nonshared', '--test-on-a',
                                                '--in-process']))
    out = capsys.readouterr().out
    assert '[n2_semantic_A] done' in out and '[n1_depth_A_nonshared] training' in out
    assert var['direction'] == 'dep2sem' and var['configs']['n1b'] == 'depth_B_nonshared'
    assert (work / 'summary_nonshared.json').is_file()
    assert json.loads((work / 'summary.json').read_text())['variant'] is None  # untouched
    vck = var['checkpoints']
    assert vck['n2'] == ck['n2'] and vck['n1'] != ck['n1']
    cfg = Config.fromfile(str(work / 'transfer_dep2sem_transfer_nonshared' / 'config.py'))
    assert cfg.model.separate_test_source
    assert (cfg.model.source_checkpoint, cfg.model.test_source_checkpoint) == \
        (vck['n1'], vck['n1b'])
    # --test-on-a: stage 3's validation set (A), through N1^A
    cfg_a = Config.fromfile(str(work / 'transfer_dep2sem_transfer_nonshared' / 'config_A.py'))
    assert cfg_a.test_dataloader.dataset.data_root == atdt_pair['domain_a_val']
    assert not cfg_a.model.separate_test_source and cfg_a.model.test_source_checkpoint is None
    for name in ('atdt', 'atdt_A'):
        _semantic(var['metrics'][name])
    with pytest.raises(SystemExit, match='dep2sem experiment'):
        pipeline.main(_args(atdt_pair, work, ['--variant', 'nobn', '--direction', 'sem2dep']))


def test_pipeline_stage_runs_tools_train_as_subprocess(pipeline, atdt_pair, tmp_path):
    """The default (one tools/train.py process per stage) on stage 1 only: run the pipeline
    with a missing stage-2 config dir so it stops after stage 1 with a clear error."""
    cfg_dir = tmp_path / 'configs'
    (cfg_dir / 'render-indoor2warm').mkdir(parents=True)
    src = osp.join(REPO, 'configs', 'atdt', 'render-indoor2warm')
    text = open(osp.join(src, 'depth_AB.py')).read().replace(
        "'../../_base_/", repr(osp.abspath(osp.join(src, '..', '..', '_base_')) + '/')[:-1])
    (cfg_dir / 'render-indoor2warm' / 'depth_AB.py').write_text(text)
    work = tmp_path / 'work'
    args = _args(atdt_pair, work, ['--config-dir', str(cfg_dir)])
    args[args.index('--iters') + 1] = '1'
    with pytest.raises(FileNotFoundError, match='semantic_A.py'):  # stage 2's config
        pipeline.main(args)
    assert json.loads((work / 'n1_depth_AB' / 'done.json').read_text())['checkpoint'] \
        .endswith('iter_1.pth')
    assert_finite_metrics(logged_scalars(str(work / 'n1_depth_AB')), keys=['loss*'])


def test_task_iters_set_every_network_of_the_task(pipeline, atdt_pair, tmp_path):
    """--task-iters depth=2 over --iters 1 1 1 in Sem.->Dep.: N2 and the oracle (depth) train 2
    iterations, N1 (semantics) and G 1; a bad value is refused with the problem named."""
    work = tmp_path / 'work'
    args = _args(atdt_pair, work, ['--direction', 'sem2dep', '--oracle', '--in-process',
                                   '--task-iters', 'depth=2'])
    args[args.index('--iters') + 1:args.index('--iters') + 4] = ['1', '1', '1']
    ck = pipeline.main(args)['checkpoints']
    assert [osp.basename(ck[k]) for k in ('n1', 'n2', 'transfer', 'oracle')] == \
        ['iter_1.pth', 'iter_2.pth', 'iter_1.pth', 'iter_2.pth']
    for stage, n in (('n1_semantic_AB', 1), ('n2_depth_A', 2), ('oracle_depth_B', 2)):
        assert Config.fromfile(str(work / stage / 'config.py')).train_cfg.max_iters == n
    for bad in ('depth=0', 'colour=3', 'depth'):
        with pytest.raises(SystemExit, match=f"--task-iters '{bad}': expected depth=N"):
            pipeline.parse_args(['--pair', 'p', '--task-iters', bad])
