# Copyright (c) synthssl contributors.
"""Colourised dense maps and image panels (NumPy + OpenCV only, no torch)."""
from .maps import (KINDS, colorize, colorize_contour, colorize_depth, colorize_ids,
                   colorize_normal, guess_kind, id_colors, make_panel, write_panel)
from .predictions import TASKS, input_image, prediction_row, prediction_rows, to_hwc

__all__ = [
    'KINDS', 'colorize', 'colorize_contour', 'colorize_depth', 'colorize_ids',
    'colorize_normal', 'guess_kind', 'id_colors', 'make_panel', 'write_panel', 'TASKS',
    'input_image', 'prediction_row', 'prediction_rows', 'to_hwc'
]
