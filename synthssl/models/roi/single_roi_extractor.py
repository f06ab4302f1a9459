# Copyright (c) synthssl contributors.
"""mmdet's ``SingleRoIExtractor`` that also builds RoI layers from the model registries.

mmdet 3.3's ``BaseRoIExtractor.build_roi_layers`` resolves a string ``roi_layer.type``
only as an attribute of ``mmcv.ops``. This subclass keeps that meaning for plain names
(``'RoIAlign'``, ``'RoIPool'`` = mmcv's ops) and resolves scoped names through the
registries. It is registered as ``synthssl.SingleRoIExtractor`` through
:func:`synthssl.models.roi.builders.build_single_roi_extractor`, so a config can write::

    bbox_roi_extractor=dict(
        type='synthssl.SingleRoIExtractor',
        roi_layer=dict(type='synthssl.RoIPool', output_size=6),  # CPU + GPU
        out_channels=256, featmap_strides=[16])
"""
from typing import List

import torch.nn as nn
from mmcv import ops
from mmdet.models.roi_heads.roi_extractors import \
    SingleRoIExtractor as MMDetSingleRoIExtractor

from synthssl.registry import MODELS


class SingleRoIExtractor(MMDetSingleRoIExtractor):
    """``mmdet.SingleRoIExtractor`` whose ``roi_layer.type`` may be a registry name.

    Resolution of ``roi_layer['type']``: a class is used as is; a name without scope that
    ``mmcv.ops`` has is mmcv's op (mmdet's behaviour); any other name (``'synthssl.RoIPool'``,
    or an unscoped name registered in synthssl, e.g. ``'TorchvisionRoIPool'``) is looked up
    in synthssl's ``MODELS`` and its parents/siblings. Each layer is built with
    ``spatial_scale=1 / stride`` per entry of ``featmap_strides``.
    """

    def build_roi_layers(self, layer_cfg: dict, featmap_strides: List[int]) -> nn.ModuleList:
        """Returns one RoI layer per feature stride (see the class docstring)."""
        cfg = dict(layer_cfg)
        layer_type = cfg.pop('type')
        if not isinstance(layer_type, str):
            layer_cls = layer_type
        elif '.' not in layer_type and hasattr(ops, layer_type):
            layer_cls = getattr(ops, layer_type)
        else:
            layer_cls = MODELS.get(layer_type)
            if layer_cls is None:
                raise KeyError(
                    f'SingleRoIExtractor: RoI layer type {layer_type!r} is neither an '
                    f'mmcv.ops attribute nor registered (try "synthssl.RoIPool")')
        return nn.ModuleList([layer_cls(spatial_scale=1 / s, **cfg) for s in featmap_strides])
