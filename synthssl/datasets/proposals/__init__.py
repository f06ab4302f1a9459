# Copyright (c) synthssl contributors.
"""Data preparation for the Fast R-CNN transfer: selective-search object proposals and
their recall against the ground-truth boxes."""
from .recall import box_iou, proposal_recall
from .selective_search import STRATEGY_PRESETS, selective_search

__all__ = ['selective_search', 'STRATEGY_PRESETS', 'proposal_recall', 'box_iou']
