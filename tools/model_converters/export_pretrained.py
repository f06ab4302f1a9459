# Copyright (c) synthssl contributors.
"""Export a synthssl pretraining checkpoint for transfer.

    python tools/model_converters/export_pretrained.py CKPT OUT [--format FORMAT]
        [--rescale-images DIR] [--rescale-num 16] [--no-rescale] [--amp]

CKPT is an mmengine runner checkpoint of ``synthssl.CrossDomainMultiTask`` (keys
``backbone.conv1.conv.weight``, ``backbone.conv1.bn.running_mean``, ...). Formats:

* ``backbone``: ``{'state_dict': SynthAlexNet tensors without 'backbone.', 'meta': ...}``;
  ``init_cfg=dict(type='Pretrained', checkpoint=OUT)`` on ``synthssl.SynthAlexNet``.
* ``caffe-alexnet``: the standard AlexNet (``synthssl.CaffeAlexNet`` keys ``conv{1..5}.*``,
  ``fc{6,7}.*``): BN folded into each convolution, the dilated conv-fc6 reshaped into a
  9216 -> 4096 linear layer, fc7 into 4096 -> 4096 (``synthssl.models.utils.alexnet_conversion``),
  then Krähenbühl et al.'s gradient-ratio rescaling (``magic_init.py -cs``, as the authors'
  ``*_rs`` models) on 16 random 227 crops of real photos: ``--rescale-images DIR`` or, by
  default, the built-in photos (``synthssl.datasets.materialize_builtin_photos``).
  ``--no-rescale`` keeps the exact BN-folded weights; ``--amp`` runs the rescaling's passes
  under autocast (bfloat16 on the CPU, float16 on CUDA; the weights stay float32).
* ``caffe-alexnet-mmdet``: the same weights for an mmdet Fast R-CNN with a CaffeAlexNet
  backbone (``backbone.conv{1..5}.{weight,bias}``) and a ``Shared2FCBBoxHead`` or
  ``synthssl.Shared2FCDropoutBBoxHead`` (same keys; ``roi_feat_size=6``, ``in_channels=256``, ``fc_out_channels=4096``):
  ``roi_head.bbox_head.shared_fcs.0.*`` = fc6 (4096, 256*6*6, in the (C, H, W) order of the
  head's ``flatten(1)``), ``roi_head.bbox_head.shared_fcs.1.*`` = fc7.

Every output is loadable with ``torch.load(weights_only=True)`` and carries ``meta``: source
path, iteration, config text, format, rescaling statistics.
"""
import argparse
import glob
import os
import os.path as osp
import sys
import warnings
from collections import OrderedDict
from typing import Dict, List, Optional

import cv2
import numpy as np
import torch

FORMATS = ('backbone', 'caffe-alexnet', 'caffe-alexnet-mmdet')
#: the transfer benchmarks' normalisation (RGB / 255 - ImageNet mean), as the pretraining.
MEAN_RGB = (123.675, 116.28, 103.53)
STD = 255.


class ExportError(RuntimeError):
    """A checkpoint that cannot be exported; the message names the file."""


def load_runner_checkpoint(path: str) -> dict:
    """Load an mmengine runner checkpoint with synthssl's safe loader (``weights_only`` with
    the runner-checkpoint allow-list; a file needing more is refused with
    :class:`UnsafeCheckpointError`); raise :class:`ExportError` naming ``path``."""
    from synthssl.engine.fileio import UnsafeCheckpointError, load_checkpoint_file
    if not osp.exists(path):
        raise ExportError(f'{path}: no such file')
    if not osp.isfile(path):
        raise ExportError(f'{path}: not a file')
    try:
        ckpt = load_checkpoint_file(path, map_location='cpu')
    except UnsafeCheckpointError as e:
        raise ExportError(str(e)) from None
    except Exception as e:  # pickle/zip errors of every kind
        raise ExportError(f'{path}: not a torch checkpoint ({type(e).__name__}: {e})') from e
    if not isinstance(ckpt, dict) or not isinstance(ckpt.get('state_dict'), dict):
        raise ExportError(f'{path}: no "state_dict" in the checkpoint (expected an mmengine '
                          'runner checkpoint of synthssl.CrossDomainMultiTask)')
    return ckpt


def backbone_state_dict(ckpt: dict, path: str) -> 'OrderedDict[str, torch.Tensor]':
    """The ``backbone.*`` tensors without the prefix, checked to be a BN SynthAlexNet's."""
    from synthssl.models.utils import check_synth_alexnet_state_dict
    sd = OrderedDict((k[len('backbone.'):], v) for k, v in ckpt['state_dict'].items()
                     if k.startswith('backbone.'))
    if not sd:
        raise ExportError(f'{path}: no "backbone." keys in its state_dict (not a synthssl '
                          'pretraining checkpoint)')
    try:
        check_synth_alexnet_state_dict(sd)
    except (KeyError, ValueError) as e:
        msg = e.args[0] if e.args else str(e)
        raise ExportError(f'{path}: the backbone is not a SynthAlexNet: {msg}') from e
    return sd


def source_meta(ckpt: dict, path: str, fmt: str) -> Dict[str, object]:
    """Plain-typed metadata (``weights_only``-loadable) about the source checkpoint."""
    meta = ckpt.get('meta') or {}
    cfg = meta.get('cfg', '')
    it = meta.get('iter')
    return dict(
        source=osp.abspath(path),
        iter=int(it) if it is not None else None,
        epoch=int(meta['epoch']) if meta.get('epoch') is not None else None,
        config=cfg if isinstance(cfg, str) else str(cfg),
        format=fmt,
        exporter='synthssl tools/model_converters/export_pretrained.py')


def conv1_padding_from_cfg(cfg_text: str) -> Optional[int]:
    """``model.backbone.conv1_padding`` of the pretraining config text (None: unknown)."""
    if not cfg_text:
        return None
    try:
        from mmengine.config import Config
        cfg = Config.fromstring(cfg_text, '.py')
        return int(cfg.model.backbone.get('conv1_padding', 0))
    except Exception:
        return None


def load_rescale_images(image_dir: Optional[str], num: int, seed: int = 0,
                        size: int = 227) -> torch.Tensor:
    """``num`` random ``size`` crops (short side resized to 256 first when smaller) of the
    images in ``image_dir`` (default: the built-in photos), normalised as for transfer.

    Returns:
        Tensor: (num, 3, size, size).
    """
    from synthssl.datasets.real_images import IMG_EXTENSIONS
    if image_dir is None:
        import tempfile

        from synthssl.datasets import materialize_builtin_photos
        image_dir = osp.join(tempfile.gettempdir(), 'synthssl_builtin_photos')
        files = materialize_builtin_photos(image_dir)
    else:
        if not osp.isdir(image_dir):
            raise ExportError(f'{image_dir}: --rescale-images is not a directory')
        files = sorted(f for f in glob.glob(osp.join(image_dir, '*'))
                       if f.lower().endswith(IMG_EXTENSIONS))
    if not files:
        raise ExportError(f'{image_dir}: no images ({", ".join(IMG_EXTENSIONS)}) to rescale with')
    rng = np.random.default_rng(seed)
    crops = []
    for i in range(num):
        path = files[i % len(files)]
        img = cv2.imread(path, cv2.IMREAD_COLOR)
        if img is None:
            raise ExportError(f'{path}: cannot read the image')
        h, w = img.shape[:2]
        if min(h, w) < 256:
            f = 256. / min(h, w)
            img = cv2.resize(img, (max(size, round(w * f)), max(size, round(h * f))),
                             interpolation=cv2.INTER_LINEAR)
            h, w = img.shape[:2]
        y, x = int(rng.integers(0, h - size + 1)), int(rng.integers(0, w - size + 1))
        crops.append(img[y:y + size, x:x + size, ::-1])  # BGR -> RGB
    arr = (np.stack(crops).astype(np.float32) - np.array(MEAN_RGB, np.float32)) / STD
    return torch.from_numpy(arr).permute(0, 3, 1, 2).contiguous()


def export(ckpt_path: str, out_path: str, fmt: str = 'backbone',
           rescale: bool = True, rescale_images: Optional[str] = None,
           rescale_num: int = 16, rescale_iters: int = 10, seed: int = 0,
           amp: bool = False) -> dict:
    """Convert ``ckpt_path`` into ``fmt`` and save it to ``out_path``; return what was saved.

    ``rescale``/``rescale_*``/``amp`` apply to the caffe formats only (see the module
    docstring).
    """
    if fmt not in FORMATS:
        raise ExportError(f'unknown format {fmt!r}; expected one of {FORMATS}')
    ckpt = load_runner_checkpoint(ckpt_path)
    sd = backbone_state_dict(ckpt, ckpt_path)
    meta = source_meta(ckpt, ckpt_path, fmt)
    meta['rescale'] = None
    if fmt == 'backbone':
        state = OrderedDict((k, v.detach().clone()) for k, v in sd.items())
    else:
        from synthssl.models.backbones import CaffeAlexNet
        from synthssl.models.utils import krahenbuhl_rescale, synth_to_caffe_alexnet
        pad = conv1_padding_from_cfg(meta['config'])
        meta['conv1_padding'] = pad
        if pad not in (None, 0):
            warnings.warn(f'{ckpt_path}: pretrained with conv1_padding={pad}; CaffeAlexNet '
                          'has conv1 padding 0, so the converted features are not exactly '
                          'the pretrained ones (as in the authors\' own conversion)')
        state = synth_to_caffe_alexnet(sd)
        if rescale:
            model = CaffeAlexNet(init_cfg=None)
            model.load_state_dict(state)
            images = load_rescale_images(rescale_images, rescale_num, seed)
            stats = krahenbuhl_rescale(model, images, iters=rescale_iters, seed=seed, amp=amp)
            stats['amp'] = amp
            stats['images'] = osp.abspath(rescale_images) if rescale_images else 'builtin'
            meta['rescale'] = stats
            state = OrderedDict((k, v.detach().clone()) for k, v in model.state_dict().items())
        if fmt == 'caffe-alexnet-mmdet':
            renamed = OrderedDict()
            for k, v in state.items():
                layer, param = k.split('.')
                if layer == 'fc6':
                    renamed[f'roi_head.bbox_head.shared_fcs.0.{param}'] = v
                elif layer == 'fc7':
                    renamed[f'roi_head.bbox_head.shared_fcs.1.{param}'] = v
                else:
                    renamed[f'backbone.{k}'] = v
            state = renamed
    out = dict(state_dict=state, meta=meta)
    os.makedirs(osp.dirname(osp.abspath(out_path)), exist_ok=True)
    tmp = out_path + '.tmp'
    torch.save(out, tmp)
    os.replace(tmp, out_path)
    return out


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Export a synthssl pretraining checkpoint for transfer benchmarks')
    parser.add_argument('checkpoint', help='mmengine runner checkpoint (CrossDomainMultiTask)')
    parser.add_argument('output', help='output .pth')
    parser.add_argument('--format', default='backbone', choices=FORMATS)
    parser.add_argument('--rescale-images', default=None,
                        help='folder of real images for the rescaling (default: built-in)')
    parser.add_argument('--rescale-num', type=int, default=16,
                        help='number of 227 crops (Krähenbühl: a batch of 16)')
    parser.add_argument('--rescale-iters', type=int, default=10)
    parser.add_argument('--no-rescale', action='store_true',
                        help='caffe formats: keep the exact BN-folded weights')
    parser.add_argument('--amp', action='store_true',
                        help='rescaling passes under autocast (bfloat16 on the CPU)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='load CHECKPOINT with full unpickling (it can run code stored '
                        'in the file): only for a trusted file the safe loader refuses')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    if args.trust_checkpoint:
        from synthssl.engine.fileio import trust_checkpoint
        trust_checkpoint(args.checkpoint)
    try:
        out = export(args.checkpoint, args.output, args.format, rescale=not args.no_rescale,
                     rescale_images=args.rescale_images, rescale_num=args.rescale_num,
                     rescale_iters=args.rescale_iters, seed=args.seed, amp=args.amp)
    except ExportError as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    meta = out['meta']
    print(f'{args.output}: {args.format}, {len(out["state_dict"])} tensors from '
          f'{meta["source"]} (iter {meta["iter"]})')
    if meta['rescale']:
        r = meta['rescale']
        print(f'rescaled on {r["num_images"]} crops, {r["iterations"]} iterations: std of '
              f'log gradient/weight ratios {r["log_spread_before"]:.3f} -> '
              f'{r["log_spread_after"]:.3f}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
