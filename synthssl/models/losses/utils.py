# Copyright (c) synthssl contributors.
"""Small helpers shared by the dense pretext losses."""
from typing import Optional

import torch


def masked_image_mean(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of ``values`` over the valid pixels of each image, then over the images that
    have at least one valid pixel.

    Args:
        values (Tensor): (N, H, W) per-pixel losses.
        mask (Tensor): (N, H, W) bool, True where the pixel counts.

    Returns:
        Tensor: scalar; 0 (with a gradient path) when no pixel is valid at all.
    """
    mask = mask.to(values.dtype)
    count = mask.flatten(1).sum(1)
    per_image = (values * mask).flatten(1).sum(1) / count.clamp(min=1)
    has_pixels = count > 0
    if not has_pixels.any():
        return values.sum() * 0
    return per_image[has_pixels].mean()


def combine_masks(*masks: Optional[torch.Tensor]) -> Optional[torch.Tensor]:
    """Logical AND of the masks that are not None (None if all are)."""
    out = None
    for m in masks:
        if m is None:
            continue
        m = m.bool()
        out = m if out is None else out & m
    return out
