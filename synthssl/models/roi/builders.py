# Copyright (c) synthssl contributors.
"""Registry entries ``synthssl.SingleRoIExtractor`` and ``synthssl.Shared2FCDropoutBBoxHead``
that import mmdet only when used.

mmdet is an optional dependency of synthssl (``requirements/mminstall.txt``) and importing
``mmdet.models`` costs seconds, so ``import synthssl.models`` must not pull it in. The
registry therefore holds builder functions; the classes live in
:mod:`synthssl.models.roi.single_roi_extractor` and :mod:`.dropout_bbox_head`.
"""
import torch.nn as nn

from synthssl.registry import MODELS


@MODELS.register_module(name='SingleRoIExtractor')
def build_single_roi_extractor(**kwargs) -> nn.Module:
    """Builds :class:`synthssl.models.roi.single_roi_extractor.SingleRoIExtractor`
    (mmdet's ``SingleRoIExtractor`` whose ``roi_layer.type`` may be a registry name, e.g.
    ``'synthssl.RoIPool'``) from the config's keyword arguments."""
    from .single_roi_extractor import SingleRoIExtractor
    return SingleRoIExtractor(**kwargs)


@MODELS.register_module(name='Shared2FCDropoutBBoxHead')
def build_shared2fc_dropout_bbox_head(**kwargs) -> nn.Module:
    """Builds :class:`synthssl.models.roi.dropout_bbox_head.Shared2FCDropoutBBoxHead`
    (mmdet's ``Shared2FCBBoxHead`` with dropout after fc6 / fc7) from the config's keyword
    arguments."""
    from .dropout_bbox_head import Shared2FCDropoutBBoxHead
    return Shared2FCDropoutBBoxHead(**kwargs)
