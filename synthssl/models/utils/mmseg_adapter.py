# Copyright (c) synthssl contributors.
"""Everything synthssl needs from mmseg (1.2.2) beyond its public API, in one place: an
mmseg upgrade that renames these internals touches this file only.

* running an mmseg ``ResNet`` (``ResNet``/``ResNetV1c``/``ResNetV1d``) stage by stage
  (AT/DT's transfer level): its stem attributes and ``res_layers`` names;
* decoding one feature map with a decode head built for the backbone's tuple of outputs;
* an ``EncoderDecoder``'s training losses from features computed elsewhere (CSG's student
  features), through ``_decode_head_forward_train`` / ``_auxiliary_head_forward_train``;
* marking a module initialised so ``BaseModule.init_weights`` (mmengine) leaves it alone.
"""
from typing import Dict, List, Sequence

import torch
import torch.nn as nn


def check_resnet(backbone: nn.Module, what: str) -> int:
    """The number of residual stages of an mmseg ResNet; ``TypeError`` naming ``what`` for
    any other backbone."""
    if not hasattr(backbone, 'res_layers'):
        raise TypeError(f'{what} must be an mmseg ResNet (ResNet/ResNetV1c/ResNetV1d), got '
                        f'{type(backbone).__name__}')
    return len(backbone.res_layers)


def resnet_encode(backbone: nn.Module, x: torch.Tensor, stop: int) -> torch.Tensor:
    """Stem and residual stages 0..stop of an mmseg ResNet: (N, 3, H, W) -> feature."""
    if backbone.deep_stem:
        x = backbone.stem(x)
    else:
        x = backbone.relu(backbone.norm1(backbone.conv1(x)))
    x = backbone.maxpool(x)
    for name in backbone.res_layers[:stop + 1]:
        x = getattr(backbone, name)(x)
    return x


def resnet_continue(backbone: nn.Module, x: torch.Tensor, start: int) -> torch.Tensor:
    """Residual stages start+1.. of an mmseg ResNet."""
    for name in backbone.res_layers[start + 1:]:
        x = getattr(backbone, name)(x)
    return x


def decode_single_map(segmentor: nn.Module, feat: torch.Tensor, num_outs: int,
                      batch_img_metas: List[dict]) -> torch.Tensor:
    """The decode head's ``predict`` on one map (N, C, h, w) of the last backbone stage, for a
    head that reads the last of ``num_outs`` maps (``in_index=-1``, no input transform):
    the map is passed in every position. Returns logits (or depth) at the padded input size."""
    return segmentor.decode_head.predict([feat] * num_outs, batch_img_metas,
                                         segmentor.test_cfg)


def segmentor_train_losses(segmentor: nn.Module, feats: Sequence[torch.Tensor],
                           data_samples: List) -> Dict[str, torch.Tensor]:
    """An mmseg ``EncoderDecoder``'s decode (and auxiliary) head losses on backbone (or
    neck) features ``feats`` computed by the caller."""
    losses = dict(segmentor._decode_head_forward_train(feats, data_samples))
    if getattr(segmentor, 'with_auxiliary_head', False):
        losses.update(segmentor._auxiliary_head_forward_train(feats, data_samples))
    return losses


def mark_initialized(module: nn.Module) -> None:
    """Make mmengine's ``BaseModule.init_weights`` skip ``module`` (its weights are set by
    the caller, e.g. copied from another network)."""
    module._is_init = True
