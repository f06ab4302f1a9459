# Copyright (c) synthssl contributors.
"""Object proposals for Fast R-CNN transfer (selective search) and their recall."""
from .recall import box_iou, proposal_recall
from .selective_search import STRATEGY_PRESETS, selective_search

__all__ = ['selective_search', 'STRATEGY_PRESETS', 'proposal_recall', 'box_iou']
