# Copyright (c) synthssl contributors.
"""Registry entry ``synthssl.SingleRoIExtractor`` that imports mmdet only when used.

mmdet is an optional dependency of synthssl (``requirements/mminstall.txt``) and importing
``mmdet.models`` costs seconds, so ``import synthssl.models`` must not pull it in. The
registry therefore holds this builder function; the class itself lives in
:mod:`synthssl.models.roi.single_roi_extractor`.
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
