# Copyright (c) synthssl contributors.
"""Ren & Lee's transfer claims on real photographs, at the scale of a CPU: one command,
resumable stage by stage, a table like the paper's Table 3.

For each pretraining variant and seed (identical renders, schedule and seed handling):

1. ``pretrain``: ``tools/train.py`` on the variant's config (``configs/renlee/``) with the
   scale's crop, batch and iterations, on the built-in renders (synthetic side) and the real
   photos of ``tools/setup/install_real_data.sh`` (real side of the adaptation). The
   ``random`` variant is the initialised network, not trained (BatchNorm statistics set
   from the real photos, :func:`calibrate_bn`).
2. ``export``: ``tools/model_converters/export_pretrained.py`` -> the SynthAlexNet backbone
   (probes) and the rescaled CaffeAlexNet (detection; Kraehenbuehl's data-dependent
   rescaling on the real photos, as the authors did; for ``random`` this is Kraehenbuehl's
   rescaled random init).
3. ``probe``: linear probes on frozen conv1..conv5 (Zhang et al.'s resize + affine-free BN +
   linear, ``synthssl.evaluation.linear_probe``) on **Fashion-MNIST** (real grey product
   photos, mmpretrain's ``FashionMNIST``): a class-balanced train subset, top-1 on the test
   split.
4. ``det``: Faster R-CNN fine-tuned through mmdet on the **NEON tree-crown** tiles
   (``configs/benchmarks/mmdet/faster-rcnn_caffe-alexnet_neon-trees.py``), AP50 on the
   held-out tiles.

Every stage writes its result (and checkpoint) under ``--work-dir`` and is skipped when it
exists, so re-running the same command continues an interrupted run; the work dir is tied
to its scale knobs, precision and detection protocol (``settings.json``: continuing it with
other ``--set`` values, ``--amp`` or an edited detection config stops with what differs).
After every stage
``--results`` gets ``results.json`` (every run's numbers + mean and spread per variant) and
``results.md`` (the table, with the command); every stage's wall time is recorded there too
(``runs.<variant>.<seed>.seconds``, ``timing``: per seed, per stage, total). ``--scale
tiny`` is the CI size (seconds per stage), ``cpu`` the default (measured: 93 min per seed on
the 2-core machine in fp32 at one thread, ~3.1 h for the two default seeds), ``paper`` the
paper's crop/batch and a GPU-sized schedule for the same variants.

``--bn-stats real`` is a diagnostic of the protocol, not the paper's: every variant's
BatchNorm statistics are re-estimated on the real photos (:func:`calibrate_bn`, as the
``random`` variant's are) before the export, so a gap between pretrained and random init that
comes from BN statistics estimated on renders is told apart from one in the weights. Its
stage results go to ``probe_bn-real.json`` / ``det_bn-real.json`` next to the default ones
(same pretraining checkpoints); give it its own ``--results``::

    bash tools/setup/install_real_data.sh            # Fashion-MNIST, tree tiles, photos
    python tools/benchmarks/renlee_transfer.py       # --scale cpu, seeds 0 1
    python tools/benchmarks/renlee_transfer.py --variants random 3task_da --seeds 0 1 2
    python tools/benchmarks/renlee_transfer.py --bn-stats real --stages probe \
        --results docs/benchmarks/renlee_transfer_bn-real
"""
import argparse
import contextlib
import glob
import hashlib
import json
import math
import os
import os.path as osp
import shlex
import statistics
import subprocess
import sys
import time
from typing import Dict, List, Optional

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DET_CONFIG = osp.join(REPO, 'configs', 'benchmarks', 'mmdet',
                      'faster-rcnn_caffe-alexnet_neon-trees.py')

#: variant -> pretraining config under configs/renlee (``random``: initialised, untrained).
VARIANTS = {
    'random': 'alexnet_3task_noda.py',
    'edge': 'alexnet_contour_noda.py',
    'depth': 'alexnet_depth_noda.py',
    'surf': 'alexnet_normal_noda.py',
    '3task': 'alexnet_3task_noda.py',
    '3task_da': 'alexnet_3task.py',  # DA at conv5, the paper's full model
    'da_conv1': 'alexnet_3task_da-conv1.py',
    'da_conv4': 'alexnet_3task_da-conv4.py',
    'da_fc6': 'alexnet_3task_da-fc6.py',
    'bifool': 'alexnet_3task_bifool.py',
}
DEFAULT_VARIANTS = ['random', 'edge', 'depth', 'surf', '3task', '3task_da']
#: the paper's Table 3 (AlexNet, 0.5M SUNCG images; VOC07 cls mAP / VOC07 det mAP).
PAPER_TABLE3 = {
    'edge': (63.4, 48.9), 'depth': (61.9, 48.5), 'surf': (65.3, 50.2),
    '3task': (65.6, 50.7), '3task_da': (66.9, 51.2), 'random': (53.3, 43.4)}
LAYERS = ('conv1', 'conv2', 'conv3', 'conv4', 'conv5')

#: scale knobs: renders, pretraining crop/resize/batch/iterations, probe and detection sizes.
SCALES = {
    'tiny': dict(scenes=3, views_per_scene=4, render_size=128, val_scenes=1, crop=99,
                 resize=112, batch=4, iters=2, probe_train_per_class=8, probe_test=40,
                 probe_epochs=2, probe_size=99, det_iters=2, rescale_num=4, rescale_iters=1),
    'cpu': dict(scenes=200, views_per_scene=4, render_size=128, val_scenes=8, crop=99,
                resize=112, batch=8, iters=300, probe_train_per_class=600, probe_test=4000,
                probe_epochs=30, probe_size=99, det_iters=300, rescale_num=16,
                rescale_iters=10),
    # the paper's crop and batch; a GPU schedule (the paper: 0.5M images, ~134k iterations)
    'paper': dict(scenes=5000, views_per_scene=4, render_size=256, val_scenes=64, crop=227,
                  resize=256, batch=128, iters=60000, probe_train_per_class=6000,
                  probe_test=10000, probe_epochs=30, probe_size=227, det_iters=20000,
                  rescale_num=16, rescale_iters=10),
}


def log(msg: str) -> None:
    print(f'[renlee_transfer {time.strftime("%H:%M:%S")}] {msg}', flush=True)


def load_json(path: str) -> Optional[dict]:
    if not osp.isfile(path):
        return None
    with open(path, encoding='utf-8') as f:
        return json.load(f)


def write_json(path: str, obj) -> None:
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    tmp = path + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        json.dump(obj, f, indent=1)
    os.replace(tmp, path)


def run(cmd: List[str], env: dict, log_path: str) -> None:
    """Run a stage's command, its output teed into ``log_path``; fail loudly."""
    os.makedirs(osp.dirname(log_path), exist_ok=True)
    log('$ ' + ' '.join(shlex.quote(c) for c in cmd))
    with open(log_path, 'a', encoding='utf-8') as f:
        p = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
        for line in p.stdout:
            f.write(line)
            if 'Iter(' in line or 'Traceback' in line or line.startswith(('Error', 'raise')) \
                    or 'Error: ' in line:
                sys.stdout.write('    ' + line)
        if p.wait() != 0:
            raise RuntimeError(f'stage failed (exit {p.returncode}): {" ".join(cmd)}; '
                               f'log: {log_path}')


@contextlib.contextmanager
def timed(seconds: Dict[str, float], stage: str, path: str):
    """Add the wall seconds of the block to ``seconds[stage]`` when it finishes and write
    ``seconds`` to ``path`` (the dict also lives in the results, so a run's cost stays known
    after its work dir is gone). Only finished invocations count: the part of a stage killed
    mid-way and continued later is not."""
    t0 = time.time()
    yield
    seconds[stage] = round(seconds.get(stage, 0.0) + time.time() - t0, 1)
    write_json(path, seconds)


def timing_summary(runs: Dict[str, Dict[str, dict]], render_s: float) -> Dict[str, object]:
    """Total wall seconds per seed and per stage over the runs that recorded them."""
    per_seed: Dict[str, float] = {}
    per_stage: Dict[str, float] = {}
    for per in runs.values():
        for seed, res in per.items():
            for stage, sec in res.get('seconds', {}).items():
                per_seed[seed] = per_seed.get(seed, 0.0) + sec
                per_stage[stage] = per_stage.get(stage, 0.0) + sec
    total = render_s + sum(per_seed.values())
    return dict(render=round(render_s, 1), per_seed={k: round(v, 1) for k, v in
                                                     sorted(per_seed.items())},
                per_stage={k: round(v, 1) for k, v in sorted(per_stage.items())},
                total=round(total, 1))


def det_protocol() -> dict:
    """The detection transfer's protocol as it stands in :data:`DET_CONFIG` (its bases
    resolved): RoIs sampled per image, RPN proposals before / after NMS in training, and a
    fingerprint of the whole resolved config, so that results of another protocol are never
    carried into the table."""
    from mmengine.config import Config
    cfg = Config.fromfile(DET_CONFIG)
    tcfg = cfg.model.train_cfg
    return dict(rois_per_img=tcfg.rcnn.sampler.num, rpn_nms_pre=tcfg.rpn_proposal.nms_pre,
                rpn_max_per_img=tcfg.rpn_proposal.max_per_img,
                config_sha256=hashlib.sha256(cfg.pretty_text.encode()).hexdigest()[:16])


def pin_settings(work: str, settings: dict) -> None:
    """Tie ``work`` to the settings its stage results depend on (scale knobs, precision,
    detection protocol).

    Stage results in a work dir are reused by name, so continuing a run with other knobs
    (``--set``), another precision or another detection config would mix results of two
    settings in one table. The
    first call writes ``<work>/settings.json``; a later call with other settings stops with
    the knobs that differ, before any work.
    """
    path = osp.join(work, 'settings.json')
    pinned = load_json(path)
    if pinned is None:
        made = sorted(glob.glob(osp.join(work, '*', 'seed*', '*.json')))
        if made:
            sys.exit(f'renlee_transfer: {work} holds stage results ({made[0]}, ...) made '
                     'before work dirs recorded their settings; their knobs cannot be told: '
                     'give a fresh --work-dir (or delete this one)')
        write_json(path, settings)
        return
    diff = {k: (pinned.get(k), settings.get(k)) for k in sorted(set(pinned) | set(settings))
            if pinned.get(k) != settings.get(k)}
    for k, (a, b) in list(diff.items()):
        if isinstance(a, dict) and isinstance(b, dict):
            del diff[k]
            diff.update({f'{k}.{kk}': (a.get(kk), b.get(kk)) for kk in sorted(set(a) | set(b))
                         if a.get(kk) != b.get(kk)})
    if diff:
        sys.exit(f'renlee_transfer: {path}: this work dir holds stage results made with other '
                 'settings (' + ', '.join(f'{k} {a!r} there, {b!r} now'
                                          for k, (a, b) in diff.items()) +
                 '); continue it with the same --scale/--set/--amp and detection config, or give '
                 'a fresh --work-dir')


def pretrain_config(variant: str, scale: dict, work: str) -> str:
    """A config file for ``variant`` at the scale's crop/batch/iterations (written into the
    work dir: the pipelines of ``syn_real_pretrain.py`` with other crop and resize)."""
    base = osp.join(REPO, 'configs', 'renlee', VARIANTS[variant])
    da = VARIANTS[variant] not in ('alexnet_3task_noda.py', 'alexnet_contour_noda.py',
                                   'alexnet_depth_noda.py', 'alexnet_normal_noda.py')
    dataset = ('dict(syn=dict(pipeline=syn_pipeline), real=dict(pipeline=real_pipeline))'
               if da else 'dict(pipeline=syn_pipeline)')
    text = f'''# generated by tools/benchmarks/renlee_transfer.py: {variant} at crop {scale["crop"]}
_base_ = {base!r}
crop_size, resize = {scale["crop"]}, {scale["resize"]}
syn_pipeline = [dict(t, crop_size=crop_size) if 'crop_size' in t else
                dict(t, scale=(resize, resize)) if 'scale' in t else t
                for t in _base_.syn_pipeline]
real_pipeline = [dict(t, crop_size=crop_size) if 'crop_size' in t else
                 dict(t, short_edge=resize) if 'short_edge' in t else t
                 for t in _base_.real_pipeline]
val_pipeline = [dict(t, scale=(crop_size, crop_size)) if 'scale' in t else t
                for t in _base_.val_pipeline]
train_dataloader = dict(batch_size={scale["batch"]}, num_workers=1, dataset={dataset})
val_dataloader = dict(batch_size=8, num_workers=0, persistent_workers=False,
                      dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader
train_cfg = dict(max_iters={scale["iters"]}, val_interval={scale["iters"]})
param_scheduler = None  # constant learning rates at this length
default_hooks = dict(logger=dict(interval=20),
                     checkpoint=dict(interval={scale["iters"]}, max_keep_ckpts=1))
log_processor = dict(window_size=20)
'''
    path = osp.join(work, 'configs', f'{variant}.py')
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)
    return path


def calibrate_bn(backbone, photo_dir: str, crop: int, mean, std, seed: int,
                 num: int = 64) -> None:
    """Set every BatchNorm's running statistics of ``backbone`` from ``num`` grey ``crop``
    crops of the real photos (cumulative averages, weights untouched). For the ``random``
    variant: without it the BN layers of a never-trained network hold mean 0 / variance 1,
    the activations shrink or blow up layer by layer, and the probes of conv3..conv5 see
    constant features -- measured: chance level. The data-dependent counterpart of the
    rescaled random init the detection export applies (Kraehenbuehl et al.). For a trained
    variant (``--bn-stats real``): the statistics of the renders replaced by the photos'."""
    import cv2
    import numpy as np
    import torch
    paths = sorted(osp.join(photo_dir, f) for f in os.listdir(photo_dir)
                   if f.lower().endswith(('.png', '.jpg', '.jpeg')))
    if not paths:
        raise FileNotFoundError(f'{photo_dir}: no photos to calibrate BatchNorm with')
    rng = np.random.default_rng(seed)
    crops = []
    for i in range(num):
        img = cv2.imread(paths[i % len(paths)], cv2.IMREAD_GRAYSCALE)
        if img is None:
            raise OSError(f'{paths[i % len(paths)]}: not a readable image')
        scale = max(crop / min(img.shape), 1.0)
        if scale > 1:
            img = cv2.resize(img, None, fx=scale, fy=scale)
        y = rng.integers(0, img.shape[0] - crop + 1)
        x = rng.integers(0, img.shape[1] - crop + 1)
        crops.append(img[y:y + crop, x:x + crop])
    x = torch.from_numpy(np.stack(crops)).float()[:, None].expand(-1, 3, -1, -1)
    x = (x - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1)
    bns = [m for m in backbone.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None  # cumulative average over the calibration batches
    backbone.train()
    with torch.no_grad():
        for s in range(0, len(x), 16):
            backbone(x[s:s + 16])
    for m in bns:
        m.momentum = 0.1
    backbone.eval()


def calibrated_checkpoint(config: str, seed: int, out: str, photo_dir: str, crop: int,
                          source: Optional[str] = None) -> None:
    """``config``'s model with its backbone's BatchNorm statistics calibrated on the real
    photos (:func:`calibrate_bn`), saved like a runner checkpoint (what the exporter reads).
    Without ``source``: the ``random`` variant, the model after ``init_weights()`` with
    ``seed``. With ``source`` (a runner checkpoint of the model, ``--bn-stats real``): its
    weights, with the statistics of the renders replaced by the photos'."""
    import torch
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from mmengine.runner import load_checkpoint, set_random_seed

    import synthssl  # noqa: F401  (registers the modules)
    from synthssl.registry import MODELS
    cfg = Config.fromfile(config)
    if source is None:
        set_random_seed(seed)
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'synthssl')):
        model = MODELS.build(cfg.model)
        if source is None:
            model.init_weights()
    if source is None:
        meta = dict(cfg=cfg.pretty_text, iter=0, seed=seed)
    else:
        load_checkpoint(model, source, map_location='cpu', strict=True)
        meta = dict(cfg=cfg.pretty_text, source=source, bn_stats='real', seed=seed)
    pre = cfg.model.data_preprocessor
    calibrate_bn(model.backbone, photo_dir, crop, pre.mean, pre.std, seed)
    os.makedirs(osp.dirname(out), exist_ok=True)
    torch.save(dict(state_dict=model.state_dict(), meta=meta), out + '.tmp')
    os.replace(out + '.tmp', out)


def probe_batches(data_root: str, split: str, n: int, per_class: bool, size: int,
                  mean, std, batch: int = 256):
    """Fashion-MNIST images resized to ``size``, grey replicated to 3 channels and
    normalised as in the pretraining; ``n`` per class (train) or the first ``n`` (test)."""
    import numpy as np
    import torch
    from mmpretrain.datasets import FashionMNIST
    # mmpretrain 1.2's MNIST readers pick the files by ``test_mode``, not by ``split``:
    # split='test' alone reads the *training* images (measured: 100 % probe top-1)
    ds = FashionMNIST(data_root=data_root, split=split, test_mode=split == 'test',
                      download=False,
                      pipeline=[dict(type='mmpretrain.Resize', scale=(size, size)),
                                dict(type='mmpretrain.PackInputs')])
    if len(ds) != {'train': 60000, 'test': 10000}[split]:
        raise ValueError(f'{data_root}: Fashion-MNIST {split} split has {len(ds)} images')
    labels = np.array([int(ds.get_data_info(i)['gt_label']) for i in range(len(ds))])
    if per_class:
        idx = np.concatenate([np.flatnonzero(labels == c)[:n] for c in np.unique(labels)])
        idx.sort()
    else:
        idx = np.arange(min(n, len(ds)))
    mean = torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1)
    std = torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1)
    for s in range(0, len(idx), batch):
        items = [ds[int(i)] for i in idx[s:s + batch]]
        x = torch.stack([it['inputs'] for it in items]).float()
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        yield (x - mean) / std, torch.tensor([int(it['data_samples'].gt_label) for it in items])


def run_probes(backbone_ckpt: str, pretrain_cfg: str, scale: dict, data_root: str,
               seed: int, amp: bool) -> Dict[str, dict]:
    from mmengine.config import Config
    from mmengine.runner import load_checkpoint

    import synthssl  # noqa: F401
    from synthssl.evaluation.linear_probe import (PROBE_LAYERS, extract_probe_features,
                                                  fit_linear_probe)
    from synthssl.registry import MODELS
    pre = Config.fromfile(pretrain_cfg).model.data_preprocessor
    backbone = MODELS.build(dict(
        type='SynthAlexNet', out_indices=tuple(PROBE_LAYERS[n][0] for n in LAYERS),
        tap='post', frozen_stages=7, norm_eval=True))
    load_checkpoint(backbone, backbone_ckpt, map_location='cpu', strict=True)
    t0 = time.time()
    tr_x, tr_y = extract_probe_features(
        backbone, probe_batches(data_root, 'train', scale['probe_train_per_class'], True,
                                scale['probe_size'], pre.mean, pre.std), LAYERS, amp=amp)
    te_x, te_y = extract_probe_features(
        backbone, probe_batches(data_root, 'test', scale['probe_test'], False,
                                scale['probe_size'], pre.mean, pre.std), LAYERS, amp=amp)
    log(f'  features of {len(tr_y)} train / {len(te_y)} test images in '
        f'{time.time() - t0:.0f} s')
    out = {}
    for name, a, b in zip(LAYERS, tr_x, te_x):
        r = fit_linear_probe(a, tr_y, b, te_y, num_classes=10,
                             epochs=scale['probe_epochs'], seed=seed)
        log(f'  probe {name} ({a.shape[1]} dims): top-1 {r["top1"]:.2f} '
            f'(train {r["train_top1"]:.2f})')
        out[name] = r

    return out


def summarize(runs: Dict[str, Dict[str, dict]], variants: List[str]) -> Dict[str, dict]:
    """Mean and sample standard deviation over seeds of every reported number."""
    summary = {}
    for v in variants:
        keys = [f'probe_{n}' for n in LAYERS] + ['det_ap50']
        per = {k: [] for k in keys}
        for r in runs.get(v, {}).values():
            for n in LAYERS:
                if r.get('probe') and n in r['probe']:
                    per[f'probe_{n}'].append(r['probe'][n]['top1'])
            if r.get('det') is not None:
                per['det_ap50'].append(r['det']['ap50'])
        summary[v] = {k: dict(mean=statistics.fmean(x), std=statistics.stdev(x)
                              if len(x) > 1 else float('nan'), n=len(x), values=x)
                      for k, x in per.items() if x}
    return summary


def markdown(summary: Dict[str, dict], variants: List[str], meta: dict,
             timing: Optional[dict] = None) -> str:
    def cell(s: Optional[dict]) -> str:
        if not s:
            return '–'
        if s['n'] < 2 or math.isnan(s['std']):
            return f'{s["mean"]:.1f} (n={s["n"]})'
        return f'{s["mean"]:.1f} ± {s["std"]:.1f}'
    head = ('| variant | ' + ' | '.join(f'FMNIST {n}' for n in LAYERS) +
            ' | trees AP50 | paper VOC07 cls / det |')
    lines = [head, '|' + ' --- |' * (len(LAYERS) + 3)]
    for v in variants:
        s = summary.get(v, {})
        paper = PAPER_TABLE3.get(v)
        lines.append(f'| {v} | ' + ' | '.join(cell(s.get(f'probe_{n}')) for n in LAYERS) +
                     f' | {cell(s.get("det_ap50"))} | ' +
                     (f'{paper[0]} / {paper[1]}' if paper else '–') + ' |')
    return (f'# Ren & Lee transfer benchmark ({meta["scale"]} scale)\n\n'
            f'Command: `{meta["command"]}`\n\n'
            f'Mean ± sample std over seeds {meta["seeds"]} (n = runs finished so far). '
            'Fashion-MNIST: linear-probe top-1 (%) on frozen layers; trees: Faster R-CNN '
            'AP50 (%) on held-out NEON tiles. The paper column is Table 3 (0.5M SUNCG '
            'images, PASCAL VOC07), for orientation only: other data, other scale.\n\n' +
            '\n'.join(lines) + '\n\n' + meta['settings'] + '\n' + timing_line(timing))


def timing_line(timing: Optional[dict]) -> str:
    """The recorded wall time in minutes (stages timed since timing was recorded)."""
    if not timing or not timing.get('total'):
        return ''

    def mins(x: float) -> str:
        return f'{x / 60:.1f}'
    return ('\nWall time recorded in this results file (min): '
            f'renders {mins(timing["render"])}; '
            + ', '.join(f'seed {k} {mins(v)}' for k, v in timing['per_seed'].items()) + '; '
            + ', '.join(f'{k} {mins(v)}' for k, v in timing['per_stage'].items())
            + f'; total {mins(timing["total"])}.\n')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--scale', choices=sorted(SCALES), default='cpu')
    parser.add_argument('--variants', nargs='+', default=DEFAULT_VARIANTS,
                        choices=sorted(VARIANTS))
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1])
    parser.add_argument('--stages', nargs='+', default=['probe', 'det'],
                        choices=['probe', 'det'], help='transfers to run after pretraining')
    parser.add_argument('--work-dir', default=None,
                        help='default work_dirs/benchmarks/renlee_transfer_<scale>')
    parser.add_argument('--results', default=None,
                        help='folder for results.json / results.md (default: the work dir)')
    parser.add_argument('--real-data', default='data/real',
                        help='tools/setup/install_real_data.sh output')
    parser.add_argument('--threads', type=int, default=2,
                        help='threads per process (2: the machine\'s two cores; 1.44x one '
                        'thread, see docs/renlee.md)')
    parser.add_argument('--prune', action='store_true',
                        help='delete each run\'s checkpoints and exports once its results are '
                        'written (about 1.5 GB a run at every scale: the AlexNet is the '
                        'paper\'s); a later stage then pretrains again')
    parser.add_argument('--amp', action='store_true',
                        help='bf16 autocast (CPU) / fp16 (CUDA) for pretraining, the probe '
                        'features and the detector\'s training (its backbone and fc6/fc7 on '
                        'the CPU); evaluation stays fp32')
    parser.add_argument('--bn-stats', choices=['trained', 'real'], default='trained',
                        help="'real': every variant's BatchNorm statistics re-estimated on "
                        'the real photos before the export (a diagnostic; see above)')
    parser.add_argument('--set', nargs='*', default=[], metavar='KEY=VALUE',
                        help='override a scale knob, e.g. iters=500 det_iters=400')
    args = parser.parse_args()
    scale = dict(SCALES[args.scale])
    for kv in args.set:
        k, _, v = kv.partition('=')
        if k not in scale:
            parser.error(f'--set: unknown knob {k!r} (known: {sorted(scale)})')
        scale[k] = type(scale[k])(v)
    work = osp.abspath(args.work_dir or osp.join(
        REPO, 'work_dirs', 'benchmarks', f'renlee_transfer_{args.scale}'))
    results_dir = osp.abspath(args.results or work)
    real = osp.abspath(args.real_data)
    for need in ('fashion_mnist/t10k-labels-idx1-ubyte', 'neon_trees/summary.json',
                 'photos'):
        if not osp.exists(osp.join(real, need)):
            sys.exit(f'renlee_transfer: {osp.join(real, need)} is missing: run '
                     f'bash tools/setup/install_real_data.sh {args.real_data}')
    from synthssl.utils.launch import thread_env
    env = dict(os.environ, **thread_env(args.threads),
               PYTHONPATH=REPO + os.pathsep + os.environ.get('PYTHONPATH', ''))
    import torch
    torch.set_num_threads(args.threads)
    py = sys.executable
    command = 'python tools/benchmarks/renlee_transfer.py ' + ' '.join(
        shlex.quote(a) for a in sys.argv[1:])
    suffix = '' if args.bn_stats == 'trained' else '_bn-real'
    det = det_protocol()
    meta = dict(scale=args.scale, knobs=scale, seeds=args.seeds, command=command,
                threads=args.threads, amp=args.amp, bn_stats=args.bn_stats, det=det,
                torch=torch.__version__,
                settings=(f'Settings: {scale}; detection {det["rois_per_img"]} RoIs per '
                          f'image, RPN {det["rpn_nms_pre"]} -> {det["rpn_max_per_img"]} '
                          f'proposals (config {det["config_sha256"]}); '
                          f'{args.threads} thread(s) per process; '
                          f'{"bf16 autocast" if args.amp else "fp32"}'
                          + ('; BatchNorm statistics of every variant re-estimated on the '
                             'real photos (--bn-stats real)' if suffix else '') + '.'))

    pin_settings(work, dict(knobs=scale, amp=args.amp, det=det))

    # ---- renders (identical for every variant and seed)
    data = osp.join(work, 'data')
    published = load_json(osp.join(results_dir, 'results.json'))
    same_run = bool(published) and published.get('meta', {}).get('knobs') == scale and \
        published['meta'].get('amp') == args.amp and \
        published['meta'].get('bn_stats', 'trained') == args.bn_stats and \
        published['meta'].get('det') == det
    render_json = osp.join(data, 'render_seconds.json')
    render_seconds = load_json(render_json) or {'render': float(
        published.get('timing', {}).get('render', 0.0) if same_run else 0.0)}
    for name, scenes, seed in (('render_train', scale['scenes'], 0),
                               ('render_val', scale['val_scenes'], 100000)):
        if not osp.isfile(osp.join(data, name, '.done')):
            with timed(render_seconds, 'render', render_json):
                run([py, 'tools/render/render_synthetic.py', osp.join(data, name),
                     '--scenes', str(scenes), '--views-per-scene',
                     str(scale['views_per_scene']), '--size', str(scale['render_size']),
                     '--seed', str(seed), '--workers', '1'],
                    env, osp.join(work, 'logs', f'{name}.log'))
            open(osp.join(data, name, '.done'), 'w').close()
    data_opts = [f'train_dataloader.dataset.syn.data_root={data}/render_train',
                 f'train_dataloader.dataset.real.data_root={real}/photos',
                 f'val_dataloader.dataset.data_root={data}/render_val',
                 f'test_dataloader.dataset.data_root={data}/render_val']
    noda_opts = [f'train_dataloader.dataset.data_root={data}/render_train'] + data_opts[2:]

    runs: Dict[str, Dict[str, dict]] = {}
    # The published results.json is the run's state across machines (work dirs do not
    # travel): with the same scale knobs and precision, a stage it already holds is not run
    # again, and the runs of other variants and seeds stay in the tables.
    if same_run:
        runs = published.get('runs', {})
        for variant, per_seed in runs.items():
            for seed, res in per_seed.items():
                for stage in ('probe', 'det'):
                    path = osp.join(work, variant, f'seed{seed}', f'{stage}{suffix}.json')
                    if res.get(stage) is not None and not osp.isfile(path):
                        write_json(path, res[stage])

    def publish() -> None:
        summary = summarize(runs, args.variants)
        timing = timing_summary(runs, render_seconds['render'])
        write_json(osp.join(results_dir, 'results.json'),
                   dict(meta=meta, runs=runs, summary=summary, timing=timing))
        with open(osp.join(results_dir, 'results.md'), 'w', encoding='utf-8') as f:
            f.write(markdown(summary, args.variants, meta, timing))

    # seeds outermost: a partial run has every variant for the first seed first
    for seed in args.seeds:
        for variant in args.variants:
            rdir = osp.join(work, variant, f'seed{seed}')
            res = runs.setdefault(variant, {}).setdefault(str(seed), {})
            # wall time per stage, also kept in the run dir (a run continued with other knobs
            # does not carry the published results over, its finished stages stay timed)
            secs_json = osp.join(rdir, 'seconds.json')
            secs = res.setdefault('seconds', load_json(secs_json) or {})
            cfg_path = pretrain_config(variant, scale, work)
            ckpt = osp.join(rdir, 'pretrain', f'iter_{scale["iters"]}.pth')
            log(f'== {variant} seed {seed}')
            backbone = osp.join(rdir, 'export', f'backbone{suffix}.pth')
            caffe = osp.join(rdir, 'export', f'caffe-alexnet-mmdet{suffix}.pth')
            # pretraining and export only where a requested transfer is still missing
            if any(not osp.isfile(osp.join(rdir, f'{stage}{suffix}.json'))
                   for stage in args.stages):
                if variant == 'random':
                    ckpt = osp.join(rdir, 'pretrain', 'init.pth')
                    if not osp.isfile(ckpt):
                        with timed(secs, 'pretrain', secs_json):
                            calibrated_checkpoint(cfg_path, seed, ckpt, f'{real}/photos',
                                                  scale['crop'])
                elif not osp.isfile(ckpt):
                    da = VARIANTS[variant] not in ('alexnet_3task_noda.py',
                                                   'alexnet_contour_noda.py',
                                                   'alexnet_depth_noda.py',
                                                   'alexnet_normal_noda.py')
                    with timed(secs, 'pretrain', secs_json):
                        run([py, 'tools/train.py', cfg_path, '--work-dir',
                             osp.join(rdir, 'pretrain'), '--resume'] +
                            (['--amp'] if args.amp else []) +
                            ['--cfg-options', f'randomness.seed={seed}'] +
                            (data_opts if da else noda_opts),
                            env, osp.join(rdir, 'logs', 'pretrain.log'))
                if suffix and variant != 'random':  # init.pth is calibrated on the photos
                    real_ckpt = osp.splitext(ckpt)[0] + f'{suffix}.pth'
                    if not all(osp.isfile(p) for p in (backbone, caffe)) and \
                            not osp.isfile(real_ckpt):
                        log(f'  BatchNorm statistics re-estimated on the real photos: {real_ckpt}')
                        with timed(secs, 'pretrain', secs_json):
                            calibrated_checkpoint(cfg_path, seed, real_ckpt,
                                                  f'{real}/photos', scale['crop'], source=ckpt)
                    ckpt = real_ckpt
                for fmt, out in (('backbone', backbone), ('caffe-alexnet-mmdet', caffe)):
                    if not osp.isfile(out):
                        with timed(secs, f'export{suffix}', secs_json):
                            run([py, 'tools/model_converters/export_pretrained.py', ckpt,
                                 out, '--format', fmt, '--rescale-images', f'{real}/photos',
                                 '--rescale-num', str(scale['rescale_num']),
                                 '--rescale-iters', str(scale['rescale_iters']),
                                 '--seed', str(seed)],
                                env, osp.join(rdir, 'logs', f'export{suffix}.log'))
            probe_json = osp.join(rdir, f'probe{suffix}.json')
            if 'probe' in args.stages:
                if not osp.isfile(probe_json):
                    log(f'  linear probes on Fashion-MNIST ({scale["probe_train_per_class"]}'
                        f'/class train, {scale["probe_test"]} test)')
                    with timed(secs, f'probe{suffix}', secs_json):
                        write_json(probe_json, run_probes(backbone, cfg_path, scale,
                                                          f'{real}/fashion_mnist', seed,
                                                          args.amp))
                res['probe'] = load_json(probe_json)
                publish()
            det_json = osp.join(rdir, f'det{suffix}.json')
            if 'det' in args.stages:
                if not osp.isfile(det_json):
                    ddir = osp.join(rdir, f'det{suffix}')
                    it = scale['det_iters']
                    det_opts = [f'load_from={caffe}', f'randomness.seed={seed}',
                                f'train_cfg.max_iters={it}', f'train_cfg.val_interval={it}',
                                f'param_scheduler.1.end={it}',
                                f'param_scheduler.1.milestones=[{max(1, it * 3 // 4)}]',
                                f'param_scheduler.0.end={min(50, it)}',
                                f'default_hooks.checkpoint.interval={it}',
                                f'train_dataloader.dataset.data_root={real}/neon_trees',
                                f'val_dataloader.dataset.data_root={real}/neon_trees',
                                f'test_dataloader.dataset.data_root={real}/neon_trees']
                    with timed(secs, f'det{suffix}', secs_json):
                        run([py, 'tools/train.py', DET_CONFIG, '--work-dir', ddir, '--resume',
                             '--no-validate'] + (['--amp'] if args.amp else []) +
                            ['--cfg-options'] + det_opts[:-2],
                            env, osp.join(rdir, 'logs', f'det{suffix}.log'))
                        with open(osp.join(rdir, 'logs', f'det{suffix}.log'),
                                  encoding='utf-8') as f:
                            if f'Load checkpoint from {caffe}' not in f.read():
                                raise RuntimeError(
                                    f'{osp.join(rdir, "logs", f"det{suffix}.log")}: the detector '
                                    f'did not load the pretrained backbone {caffe}')
                        metrics = osp.join(ddir, 'metrics.json')
                        run([py, 'tools/test.py', DET_CONFIG, osp.join(ddir, f'iter_{it}.pth'),
                             '--work-dir', ddir, '--out', metrics, '--out-item', 'metrics',
                             '--cfg-options'] + det_opts[-2:],
                            env, osp.join(rdir, 'logs', f'det{suffix}.log'))
                    m = load_json(metrics)
                    ap = m.get('pascal_voc/AP50', m.get('pascal_voc/mAP'))
                    if ap is None or not math.isfinite(ap):
                        raise RuntimeError(f'{metrics}: no finite pascal_voc AP50 in {m}')
                    write_json(det_json, dict(ap50=100.0 * ap, metrics=m))
                res['det'] = load_json(det_json)
                log(f'  trees AP50 {res["det"]["ap50"]:.2f}')
                publish()
            if args.prune:  # results written: the run's checkpoints and exports go
                for sub in ('pretrain', 'export', 'det', 'det_bn-real'):
                    for path in glob.glob(osp.join(rdir, sub, '*.pth')):
                        os.remove(path)
    publish()
    log(f'done: {osp.join(results_dir, "results.md")}')


if __name__ == '__main__':
    main()
