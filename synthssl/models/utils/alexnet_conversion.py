# Copyright (c) synthssl contributors.
"""Turning a pretrained :class:`SynthAlexNet` (BN, stride-1 pool5, dilated conv-fc6) into the
standard :class:`CaffeAlexNet` (no BN, stride-2 pool5, fully connected fc6/fc7) that transfer
benchmarks use, and Krähenbühl et al.'s data-dependent rescaling of the result.

Exactness of the conversion (tested in ``tests/test_benchmarks/test_export_pretrained.py``),
for a 227x227 input and BN in eval mode (running statistics):

* conv1..conv5 (after ReLU) are identical on the whole map: each ``conv -> BN`` is one affine
  map, folded into one convolution (:func:`fold_bn`), and the two networks share kernel sizes,
  strides and paddings up to conv5 (SynthAlexNet's ``conv1_padding`` must be 0, its default).
* CaffeAlexNet's pool5 (3x3, stride 2, no padding) on the 13x13 conv5 map gives the 6x6 grid
  ``pool5_s2[i, j] = pool5_s1[2i + 1, 2j + 1]`` of SynthAlexNet's stride-1 pool5 (3x3, pad 1).
* The dilated fc6 (6x6 kernel, dilation 2, padding 5) at output position ``o`` reads the
  stride-1 pool5 rows ``o - 5 + 2k`` (k = 0..5). These are the odd rows ``2k + 1`` exactly when
  ``o = 6``: CaffeAlexNet's fc6/fc7 vectors equal SynthAlexNet's fc6/fc7 at the centre
  ``(6, 6)`` of their 13x13 maps, with fc6's kernel entry ``(c, kh, kw)`` becoming input
  ``c * 36 + kh * 6 + kw`` of the 9216-way linear layer (the (C, H, W) order of
  ``Tensor.flatten(1)``, which both CaffeAlexNet and mmdet's ``ConvFCBBoxHead`` use). The other
  positions of the 13x13 map see shifted windows (even pool5 rows, or zero padding) that no
  fully connected fc6 on a 227x227 crop computes.
"""
from collections import OrderedDict
from typing import Dict, Mapping, Optional, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.runner.amp import autocast

__all__ = [
    'SYNTH_ALEXNET_SHAPES', 'fold_bn', 'synth_to_caffe_alexnet', 'check_synth_alexnet_state_dict',
    'caffe_alexnet_fc7_preact', 'gradient_weight_ratios', 'krahenbuhl_rescale'
]

#: SynthAlexNet conv weight shapes per stage (out, in, kh, kw), 3 input channels.
SYNTH_ALEXNET_SHAPES: Dict[str, Tuple[int, int, int, int]] = OrderedDict(
    conv1=(96, 3, 11, 11),
    conv2=(256, 96, 5, 5),
    conv3=(384, 256, 3, 3),
    conv4=(384, 384, 3, 3),
    conv5=(256, 384, 3, 3),
    fc6=(4096, 256, 6, 6),
    fc7=(4096, 4096, 1, 1),
)
_BN_KEYS = ('weight', 'bias', 'running_mean', 'running_var')
CAFFE_LAYERS = tuple(SYNTH_ALEXNET_SHAPES)


def _as_tensors(module_or_dict: Union[nn.Module, Mapping[str, torch.Tensor]],
                keys: Tuple[str, ...]) -> Dict[str, Optional[torch.Tensor]]:
    if isinstance(module_or_dict, nn.Module):
        return {k: getattr(module_or_dict, k, None) for k in keys}
    return {k: module_or_dict.get(k) for k in keys}


@torch.no_grad()
def fold_bn(conv: Union[nn.Module, Mapping[str, torch.Tensor]],
            bn: Union[nn.Module, Mapping[str, torch.Tensor]],
            eps: Optional[float] = None) -> Tuple[torch.Tensor, torch.Tensor]:
    """Absorb an eval-mode BatchNorm into the convolution (or linear layer) before it.

    ``W' = W * g / sqrt(var + eps)`` (per output channel), ``b' = (b - mean) * g /
    sqrt(var + eps) + beta``, computed in float64 and returned in ``W``'s dtype.

    Args:
        conv: an ``nn.Conv2d``/``nn.Linear`` or a mapping with ``weight`` (O, ...) and an
            optional ``bias`` (O, ).
        bn: an ``nn.BatchNorm*`` or a mapping with ``running_mean``/``running_var`` (O, ) and
            optional affine ``weight``/``bias`` (O, ) (absent: 1 and 0).
        eps: BN epsilon; defaults to the module's ``eps``, or 1e-5 for a mapping.

    Returns:
        tuple[Tensor, Tensor]: folded weight (same shape as ``W``) and bias (O, ).
    """
    c = _as_tensors(conv, ('weight', 'bias'))
    b = _as_tensors(bn, _BN_KEYS)
    if eps is None:
        eps = float(getattr(bn, 'eps', 1e-5)) if isinstance(bn, nn.Module) else 1e-5
    weight = c['weight']
    if weight is None or b['running_mean'] is None or b['running_var'] is None:
        raise ValueError('fold_bn: need the conv weight and the BN running_mean/running_var '
                         '(a BN without tracked statistics cannot be folded)')
    out = weight.shape[0]
    if b['running_mean'].shape != (out, ):
        raise ValueError(f'fold_bn: BN has {tuple(b["running_mean"].shape)} channels, the '
                         f'conv {out}')
    dt = torch.float64
    gamma = b['weight'].to(dt) if b['weight'] is not None else torch.ones(out, dtype=dt)
    beta = b['bias'].to(dt) if b['bias'] is not None else torch.zeros(out, dtype=dt)
    bias = c['bias'].to(dt) if c['bias'] is not None else torch.zeros(out, dtype=dt)
    scale = gamma / torch.sqrt(b['running_var'].to(dt) + eps)
    w = weight.to(dt) * scale.view(-1, *([1] * (weight.dim() - 1)))
    new_bias = (bias - b['running_mean'].to(dt)) * scale + beta
    return w.to(weight.dtype), new_bias.to(weight.dtype)


def check_synth_alexnet_state_dict(state_dict: Mapping[str, torch.Tensor]) -> None:
    """Raise ``KeyError``/``ValueError`` naming what is missing unless ``state_dict`` (keys
    without the ``backbone.`` prefix) is a BN SynthAlexNet's with 3 input channels."""
    missing = []
    for name, shape in SYNTH_ALEXNET_SHAPES.items():
        for key in ([f'{name}.conv.weight', f'{name}.conv.bias'] +
                    [f'{name}.bn.{k}' for k in _BN_KEYS]):
            if key not in state_dict:
                missing.append(key)
        w = state_dict.get(f'{name}.conv.weight')
        if w is not None and tuple(w.shape) != shape:
            raise ValueError(f'not a SynthAlexNet: {name}.conv.weight has shape '
                             f'{tuple(w.shape)}, expected {shape}')
    if missing:
        raise KeyError('not a BN SynthAlexNet state dict: missing '
                       f'{", ".join(missing[:6])}' + (' ...' if len(missing) > 6 else ''))


@torch.no_grad()
def synth_to_caffe_alexnet(synth_state_dict: Mapping[str, torch.Tensor],
                           eps: float = 1e-5) -> 'OrderedDict[str, torch.Tensor]':
    """Convert a SynthAlexNet state dict into CaffeAlexNet's.

    Args:
        synth_state_dict: SynthAlexNet keys (``conv1.conv.weight``, ``conv1.bn.running_mean``,
            ...); a ``backbone.`` prefix (runner checkpoint of the pretraining model) is
            stripped, other keys are ignored.
        eps: the BN epsilon of the source network (SynthAlexNet's BN: 1e-5).

    Returns:
        OrderedDict: ``conv{1..5}.weight`` (O, I, k, k) / ``.bias`` (O, ), ``fc6.weight``
        (4096, 9216) in (C, H, W) flatten order, ``fc7.weight`` (4096, 4096), ``fc{6,7}.bias``.
    """
    sd = dict(synth_state_dict)
    if not any(k.startswith('conv1.') for k in sd) and any(
            k.startswith('backbone.') for k in sd):
        sd = {k[len('backbone.'):]: v for k, v in sd.items() if k.startswith('backbone.')}
    check_synth_alexnet_state_dict(sd)
    out: 'OrderedDict[str, torch.Tensor]' = OrderedDict()
    for name in SYNTH_ALEXNET_SHAPES:
        conv = {k: sd[f'{name}.conv.{k}'] for k in ('weight', 'bias')}
        bn = {k: sd[f'{name}.bn.{k}'] for k in _BN_KEYS}
        w, b = fold_bn(conv, bn, eps=eps)
        if name.startswith('fc'):
            w = w.reshape(w.shape[0], -1)  # fc6: (4096, 256*6*6), fc7: (4096, 4096)
        out[f'{name}.weight'] = w.contiguous()
        out[f'{name}.bias'] = b.contiguous()
    return out


def _caffe_layers(model: nn.Module) -> 'OrderedDict[str, nn.Module]':
    return OrderedDict((n, getattr(model, n)) for n in CAFFE_LAYERS)


def caffe_alexnet_fc7_preact(model: nn.Module, images: torch.Tensor) -> torch.Tensor:
    """CaffeAlexNet's forward without dropout, up to fc7 *before* its ReLU.

    Args:
        model: a :class:`CaffeAlexNet`.
        images: (N, 3, 227, 227), normalised as for transfer.

    Returns:
        Tensor: (N, 4096).
    """
    x = images
    for name in ('conv1', 'conv2', 'conv3', 'conv4', 'conv5'):
        x = F.relu(getattr(model, name)(x))
        if name in model.pool_names:
            x = getattr(model, model.pool_names[name])(x)
    x = F.relu(model.fc6(x.flatten(1)))
    return model.fc7(x)


def gradient_weight_ratios(model: nn.Module, images: torch.Tensor, projection: torch.Tensor,
                           amp: bool = False) -> Tuple[Dict[str, float], torch.Tensor]:
    """``mean|dL/dW| / mean|W|`` per layer for ``L = sum(projection * fc7_preact(images))``;
    ``amp``: the network under autocast (bfloat16 on the CPU, float16 on CUDA), the weights'
    gradients still float32.

    Returns:
        tuple: ratios by layer name, and the fc7 pre-activations (N, 4096), detached, float32.
    """
    layers = _caffe_layers(model)
    weights = [m.weight for m in layers.values()]
    flags = [w.requires_grad for w in weights]
    for w in weights:
        w.requires_grad_(True)
    try:
        with torch.enable_grad():
            with autocast(device_type=images.device.type, enabled=amp):
                out = caffe_alexnet_fc7_preact(model, images).float()
            grads = torch.autograd.grad((out * projection).sum(), weights)
    finally:
        for w, f in zip(weights, flags):
            w.requires_grad_(f)
    ratios = {}
    for (name, m), g in zip(layers.items(), grads):
        denom = m.weight.detach().abs().mean().item()
        if denom == 0:
            raise ValueError(f'krahenbuhl_rescale: {name} has all-zero weights')
        ratios[name] = g.abs().mean().item() / denom
    return ratios, out.detach()


def _log_spread(ratios: Mapping[str, float]) -> float:
    logs = torch.tensor([max(r, 1e-30) for r in ratios.values()], dtype=torch.float64).log()
    return float(logs.std(unbiased=False))


@torch.no_grad()
def krahenbuhl_rescale(model: nn.Module, images: torch.Tensor, iters: int = 10,
                       seed: int = 0, tol: float = 0.01, amp: bool = False) -> Dict[str, object]:
    """Krähenbühl et al.'s (ICLR 2016) ``magic_init.py -cs`` calibration, in place.

    Each iteration (as ``calibrateGradientRatio``): draw a random projection ``R ~ N(0, 1)``
    of the (N, 4096) fc7 *pre-ReLU* output (our choice of the "top" blob: the last parametric
    layer, kept linear so that the network stays positively homogeneous), back-propagate
    ``L = sum(R * fc7)``, measure ``r_k = mean|dL/dW_k| / mean|W_k|`` for conv1..fc7 (the
    mean-absolute norms magic_init uses), and set the target ``t = geomean(r) *
    output_std ** (1 / 7)`` (``output_std``: mean over units of the batch std of fc7). Layer
    k's weights are scaled by ``s_k = sqrt(r_k / t)`` and its bias by the cumulative
    ``c_k = s_1 ... s_k`` (magic_init's bias "adj" equals this for a ReLU/max-pool network),
    so every layer's pre-activation is exactly ``c_k`` times the old one: ReLU patterns,
    max-pool choices and fc7's argmax are unchanged, only positive per-layer scales move.
    Since ``r_k`` becomes ``r_k * c_7 / s_k**2``, one step equalises the ratios for the same
    projection; the output_std factor drives fc7's std to 1 over iterations. Stops early
    when every ``|log r_k / log t - 1| < tol``. Runs without dropout (eval mode; magic_init
    runs Caffe's TRAIN phase); the model's mode and ``requires_grad`` flags are restored.

    Args:
        model: a :class:`CaffeAlexNet` (modified in place).
        images: (N, 3, 227, 227) normalised images (Krähenbühl: a batch of 16).
        iters: maximum number of iterations (magic_init: 10).
        seed: seed of the random projections.
        tol: relative early-stopping tolerance on the log ratios.
        amp: forward and backward passes under autocast (bfloat16 on the CPU, float16 on
            CUDA); the weights and their scaling stay float32.

    Returns:
        dict: ``before``/``after`` (layer -> ratio), ``log_spread_before``/``after`` (std of
        the log ratios), ``weight_scales`` (total ``s_k``), ``feature_scales`` (total
        ``c_k``, the factor on layer k's output), ``output_std_before``/``after``,
        ``iterations`` (updates applied), ``num_images``, ``loss``, ``ratio``.
    """
    if images.dim() != 4 or images.shape[1:] != (3, 227, 227):
        raise ValueError('krahenbuhl_rescale: images must be (N, 3, 227, 227), got '
                         f'{tuple(images.shape)}')
    was_training = model.training
    model.eval()
    gen = torch.Generator().manual_seed(seed)
    layers = _caffe_layers(model)
    dev = next(model.parameters()).device
    images = images.to(dev)

    def projection(shape: torch.Size) -> torch.Tensor:
        return torch.randn(shape, generator=gen).to(dev)

    weight_scales = {n: 1.0 for n in layers}
    try:
        ratios, out = gradient_weight_ratios(model, images, projection((images.shape[0], 4096)),
                                             amp)
        before = dict(ratios)
        output_std = float(out.std(dim=0, unbiased=False).mean())
        output_std_before = output_std
        applied = 0
        for it in range(iters):
            if it > 0:
                ratios, out = gradient_weight_ratios(model, images, projection(out.shape), amp)
            logs = torch.tensor(list(ratios.values()), dtype=torch.float64).log()
            target = float(logs.mean().exp()) * max(output_std, 1e-12)**(1. / len(ratios))
            log_t = torch.tensor(target, dtype=torch.float64).log()
            if log_t != 0 and bool(((logs / log_t - 1).abs() < tol).all()):
                break
            cumulative = 1.0
            for name, m in layers.items():
                s = (ratios[name] / target)**0.5
                cumulative *= s
                m.weight.mul_(s)
                if m.bias is not None:
                    m.bias.mul_(cumulative)
                weight_scales[name] *= s
            applied += 1
            with autocast(device_type=dev.type, enabled=amp):
                fc7 = caffe_alexnet_fc7_preact(model, images)
            output_std = float(fc7.float().std(dim=0, unbiased=False).mean())
        after, out = gradient_weight_ratios(model, images, projection((images.shape[0], 4096)),
                                            amp)
    finally:
        model.train(was_training)
    feature_scales, c = {}, 1.0
    for name in layers:
        c *= weight_scales[name]
        feature_scales[name] = c
    return dict(
        before=before,
        after=after,
        log_spread_before=_log_spread(before),
        log_spread_after=_log_spread(after),
        weight_scales=weight_scales,
        feature_scales=feature_scales,
        output_std_before=output_std_before,
        output_std_after=float(out.std(dim=0, unbiased=False).mean()),
        iterations=applied,
        num_images=int(images.shape[0]),
        loss='sum(R * fc7_preact), R ~ N(0, 1) redrawn every iteration',
        ratio='mean|dL/dW| / mean|W| (magic_init.calibrateGradientRatio)',
    )
