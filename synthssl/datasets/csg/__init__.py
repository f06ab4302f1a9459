# Copyright (c) synthssl contributors.
"""CSG's datasets: VisDA-17 classification lists and GTA5 segmentation (palette labels ->
the 19 Cityscapes trainIds)."""
from .gta5 import GTA5Dataset
from .visda17 import VISDA17_CLASSES, VisDA17Dataset

__all__ = ['GTA5Dataset', 'VISDA17_CLASSES', 'VisDA17Dataset']
