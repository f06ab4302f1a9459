# Copyright (c) synthssl contributors.
"""tools/benchmarks/renlee_transfer.py end to end at its tiny size, on the real data that
tools/setup/install_real_data.sh installs (Fashion-MNIST, NEON tree tiles, photos):
pretraining variants, export, linear probes, Faster R-CNN fine-tuning, the table; a
second call that continues the run (finished stages skipped, a second seed added); and the
``--bn-stats real`` diagnostic (BatchNorm statistics re-estimated on the real photos)."""
import glob
import json
import math
import os
import os.path as osp

import numpy as np
import pytest

from helpers import REPO, load_tool, run_tool, tool_env, tool_fails

REAL = osp.join(REPO, 'data', 'real')


@pytest.fixture(scope='module')
def real_data():
    """The benchmark's real data, installed by the project's own idempotent set-up step."""
    run_tool(['bash', 'tools/setup/install_real_data.sh', REAL], timeout=1800)
    return REAL


def _finite_percent(x):
    return isinstance(x, float) and math.isfinite(x) and 0.0 <= x <= 100.0


def test_install_real_data_outputs(real_data):
    with open(osp.join(real_data, 'neon_trees', 'summary.json')) as f:
        summary = json.load(f)
    assert summary['tiles']['train'] > 0 and summary['tiles']['test'] > 0
    assert summary['boxes']['test'] > 100  # ~300 held-out crowns
    sizes = {n: osp.getsize(osp.join(real_data, 'fashion_mnist', n))
             for n in os.listdir(osp.join(real_data, 'fashion_mnist'))}
    assert sizes['t10k-labels-idx1-ubyte'] == 8 + 10000
    assert sizes['train-images-idx3-ubyte'] == 16 + 60000 * 28 * 28
    photos = os.listdir(osp.join(real_data, 'photos'))
    assert len(photos) > 40 and any(p.startswith('opencv_') for p in photos)


def test_renlee_transfer_tiny_end_to_end_and_resume(real_data, tmp_path):
    work, res = str(tmp_path / 'work'), str(tmp_path / 'results')
    base = ['python', 'tools/benchmarks/renlee_transfer.py', '--scale', 'tiny',
            '--work-dir', work, '--results', res, '--real-data', real_data, '--prune']
    run_tool(base + ['--variants', 'random', '3task_da', '--seeds', '0'],
             env=tool_env(), timeout=1800)
    with open(osp.join(res, 'results.json')) as f:
        out = json.load(f)
    for variant in ('random', '3task_da'):
        run = out['runs'][variant]['0']
        assert set(run['probe']) == {'conv1', 'conv2', 'conv3', 'conv4', 'conv5'}
        assert all(_finite_percent(r['top1']) for r in run['probe'].values()), run['probe']
        assert _finite_percent(run['det']['ap50']), run['det']
        assert 'pascal_voc/mAP' in run['det']['metrics']
    # the pretrained variant really trained and was exported; random was not trained;
    # --prune left no checkpoint behind (each run's is ~1.5 GB)
    with open(osp.join(work, '3task_da', 'seed0', 'logs', 'pretrain.log')) as f:
        assert 'Saving checkpoint at 2 iterations' in f.read()
    assert not osp.exists(osp.join(work, 'random', 'seed0', 'logs', 'pretrain.log'))
    assert not glob.glob(osp.join(work, '**', '*.pth'), recursive=True)
    det_json = osp.join(work, '3task_da', 'seed0', 'det.json')
    mtime = os.stat(det_json).st_mtime_ns
    # the run's cost is recorded per stage, in the results (work dirs do not travel)
    secs0 = {v: out['runs'][v]['0']['seconds'] for v in ('random', '3task_da')}
    for v, secs in secs0.items():
        assert set(secs) == {'pretrain', 'export', 'probe', 'det'}, (v, secs)
        assert all(x > 0 for x in secs.values()), (v, secs)
    timing = out['timing']
    assert timing['render'] > 0
    assert timing['total'] == pytest.approx(
        timing['render'] + sum(sum(x.values()) for x in secs0.values()), abs=0.2)

    # the work dir is tied to its knobs and precision: continuing it with other ones would mix
    # two settings in one table, so it stops first, naming the knob, and runs nothing
    listing = sorted(glob.glob(osp.join(work, '**'), recursive=True))
    for extra, knob in ((['--set', 'probe_epochs=1'], 'knobs.probe_epochs 2 there, 1 now'),
                        (['--amp'], 'amp False there, True now')):
        err = tool_fails(base + ['--variants', 'random', '--seeds', '1'] + extra)
        assert osp.join(work, 'settings.json') in err and knob in err, err
        assert sorted(glob.glob(osp.join(work, '**'), recursive=True)) == listing

    # continue: seed 0 is skipped, seed 1 of `random` added (probes only), spread reported
    proc = run_tool(base + ['--variants', 'random', '3task_da', '--seeds', '0', '1',
                            '--stages', 'probe'],
                    env=tool_env(), timeout=1800)
    assert os.stat(det_json).st_mtime_ns == mtime
    assert 'tools/train.py ' + osp.join(work, 'configs', '3task_da.py') not in \
        proc.stdout.split('== 3task_da seed 1')[0]  # no retraining of seed 0
    with open(osp.join(res, 'results.json')) as f:
        out = json.load(f)
    s = out['summary']['random']['probe_conv1']
    assert s['n'] == 2 and math.isfinite(s['std'])
    assert s['values'] == [out['runs']['random'][k]['probe']['conv1']['top1']
                           for k in ('0', '1')]
    with open(osp.join(res, 'results.md')) as f:
        md = f.read()
    assert '| random |' in md and '| 3task_da |' in md and '±' in md
    assert 'renlee_transfer.py --scale tiny' in md  # the command that produced it
    assert 'Wall time recorded in this results file (min): renders' in md
    # seed 0 was not run again, so not timed again; seed 1 of random timed its probes
    assert {v: out['runs'][v]['0']['seconds'] for v in secs0} == secs0
    assert out['timing']['render'] == timing['render']
    assert set(out['runs']['random']['1']['seconds']) == {'pretrain', 'export', 'probe'}

    # the diagnostic: BN statistics re-estimated on the photos, its own stage files and table;
    # the default stage results stay as they were
    probe_json = osp.join(work, '3task_da', 'seed0', 'probe.json')
    probe_mtime = os.stat(probe_json).st_mtime_ns
    res_bn = str(tmp_path / 'results_bn')
    proc = run_tool(['python', 'tools/benchmarks/renlee_transfer.py', '--scale', 'tiny',
                     '--work-dir', work, '--results', res_bn, '--real-data', real_data,
                     '--prune', '--bn-stats', 'real', '--variants', '3task_da', '--seeds', '0',
                     '--stages', 'probe'],
                    env=tool_env(), timeout=1800)
    assert 'BatchNorm statistics re-estimated on the real photos' in proc.stdout
    assert os.stat(probe_json).st_mtime_ns == probe_mtime
    with open(osp.join(work, '3task_da', 'seed0', 'probe_bn-real.json')) as f:
        assert all(_finite_percent(r['top1']) for r in json.load(f).values())
    with open(osp.join(res_bn, 'results.json')) as f:
        assert json.load(f)['meta']['bn_stats'] == 'real'
    with open(osp.join(res_bn, 'results.md')) as f:
        assert '--bn-stats real' in f.read()


def test_work_dir_pinned_to_settings_and_detection_protocol(tmp_path, monkeypatch):
    """Stage results are reused by name, so a work dir accepts only the settings it was
    started with: scale knobs, precision, and the detection config as resolved (an edited
    config changes the fingerprint). A work dir with results but no record is refused."""
    tool = load_tool('tools/benchmarks/renlee_transfer.py', 'renlee_transfer')
    shipped = tool.det_protocol()
    assert (shipped['rois_per_img'], shipped['rpn_nms_pre'],
            shipped['rpn_max_per_img']) == (64, 6000, 1000)
    edited = tmp_path / 'det.py'
    edited.write_text(f'_base_ = {tool.DET_CONFIG!r}\n'
                      'model = dict(train_cfg=dict(rcnn=dict(sampler=dict(num=128))))\n')
    monkeypatch.setattr(tool, 'DET_CONFIG', str(edited))
    other = tool.det_protocol()
    assert other['rois_per_img'] == 128 and other['config_sha256'] != shipped['config_sha256']

    work = str(tmp_path / 'work')
    os.makedirs(work)
    knobs = dict(tool.SCALES['tiny'])
    tool.pin_settings(work, dict(knobs=knobs, amp=False, det=shipped))
    tool.pin_settings(work, dict(knobs=knobs, amp=False, det=shipped))  # same: accepted
    with pytest.raises(SystemExit) as e:
        tool.pin_settings(work, dict(knobs=knobs, amp=False, det=other))
    assert 'settings.json' in str(e.value) and 'det.rois_per_img 64 there, 128 now' in str(
        e.value), e.value

    legacy = str(tmp_path / 'legacy')
    os.makedirs(osp.join(legacy, 'random', 'seed0'))
    with open(osp.join(legacy, 'random', 'seed0', 'probe.json'), 'w') as f:
        json.dump({}, f)
    with pytest.raises(SystemExit) as e:
        tool.pin_settings(legacy, dict(knobs=knobs, amp=False, det=shipped))
    assert legacy in str(e.value) and 'fresh --work-dir' in str(e.value), e.value
    assert not osp.exists(osp.join(legacy, 'settings.json'))


def test_recalibrated_checkpoint_replaces_bn_statistics_only(tmp_path):
    """The diagnostic's checkpoint: every backbone BatchNorm's running statistics come from
    the photos (not the checkpoint's), every weight and every key is the checkpoint's."""
    import cv2
    import torch
    from mmengine.config import Config
    from mmengine.registry import DefaultScope

    from synthssl.registry import MODELS
    tool = load_tool('tools/benchmarks/renlee_transfer.py', 'renlee_transfer')
    config = osp.join(REPO, 'configs', 'renlee', 'alexnet_3task_noda.py')
    with DefaultScope.overwrite_default_scope('synthssl'):
        model = MODELS.build(Config.fromfile(config).model)
    torch.manual_seed(0)
    for m in model.backbone.modules():  # statistics as if estimated on another domain
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.running_mean.fill_(7.0)
            m.running_var.fill_(3.0)
    src, out = str(tmp_path / 'iter_1.pth'), str(tmp_path / 'iter_1_bn-real.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict(iter=1)), src)
    photos = tmp_path / 'photos'
    photos.mkdir()
    rng = np.random.default_rng(0)
    for i in range(3):  # smaller than the crop on one side: resized up
        cv2.imwrite(str(photos / f'p{i}.png'),
                    rng.integers(0, 256, (80 + 40 * i, 140, 3), dtype=np.uint8))
    tool.calibrated_checkpoint(config, 0, out, str(photos), crop=99, source=src)
    before = torch.load(src, weights_only=True)['state_dict']
    after = torch.load(out, weights_only=True)['state_dict']
    assert set(before) == set(after)
    stats = [k for k in after if k.startswith('backbone.') and
             k.endswith(('running_mean', 'running_var'))]
    assert len(stats) >= 14  # conv1..conv5, fc6, fc7
    for k, v in after.items():
        if k in stats:
            assert not torch.allclose(v, before[k]), k
            assert torch.isfinite(v).all(), k
        elif v.is_floating_point():
            assert torch.equal(v, before[k]), k
