# Copyright (c) synthssl contributors.
"""Random inputs in the formats the models take, for tests and benchmarks (as
``mmdet.testing.demo_mm_inputs``)."""
from typing import Optional, Tuple

import torch
from mmpretrain.structures import DataSample


def demo_pretrain_batch(n: int, size: int, real: bool = True, seed: int = 0,
                        generator: Optional[torch.Generator] = None,
                        depth_range: Tuple[float, float] = (0.5, 4.5)) -> dict:
    """A random batch as the pretraining dataloader gives it to
    :class:`synthssl.models.CrossDomainMultiTask`.

    ``syn``: ``inputs`` (n, 3, size, size) uint8 and ``data_samples`` with a unit
    ``gt_normal`` (3, size, size), ``gt_depth`` (1, size, size) uniform in ``depth_range``
    (metres) and a binary ``gt_contour`` (1, size, size, ~10 % ones); ``real``: ``inputs``
    (n, 3, size, size) uint8. With ``real=False`` only the ``syn`` dict.

    Args:
        generator (torch.Generator, optional): drawn from in this order: the samples, the
            synthetic images, the real images; default a new one seeded with ``seed``.
    """
    g = torch.Generator().manual_seed(seed) if generator is None else generator
    lo, hi = depth_range
    samples = []
    for _ in range(n):
        s = DataSample()
        s.set_field(torch.nn.functional.normalize(torch.randn(3, size, size, generator=g),
                                                  dim=0), 'gt_normal')
        s.set_field(torch.rand(1, size, size, generator=g) * (hi - lo) + lo, 'gt_depth')
        s.set_field((torch.rand(1, size, size, generator=g) > 0.9).float(), 'gt_contour')
        samples.append(s)

    def images() -> torch.Tensor:
        return torch.randint(0, 255, (n, 3, size, size), dtype=torch.uint8, generator=g)

    syn = dict(inputs=images(), data_samples=samples)
    return dict(syn=syn, real=dict(inputs=images())) if real else syn
