# Copyright (c) synthssl contributors.
"""Samplers that tell an epoch-aware dataset the epoch through the index itself.

A dataset copy inside a (persistent) DataLoader worker never sees ``set_epoch`` calls made
in the main process, but it does receive every index the sampler yields. These samplers
yield ``epoch * len(dataset) + i`` instead of ``i`` (``i`` being what mmengine's
``DefaultSampler`` / ``InfiniteSampler`` would yield, with the same shuffling, rank split
and padding); :class:`~synthssl.datasets.SynRealPairDataset` decodes it with ``divmod``.
Use them only with datasets that accept such encoded indices.
"""
from typing import Iterator, Tuple

import torch
from mmengine.dataset import DefaultSampler, InfiniteSampler

from synthssl.registry import DATA_SAMPLERS


def decode_epoch_index(idx: int, length: int, epoch: int, owner: str) -> Tuple[int, int]:
    """The dataset side of the convention: ``idx >= length`` is ``epoch * length + i``;
    a plain ``idx`` belongs to ``epoch`` (the dataset's last ``set_epoch``).

    Returns:
        tuple[int, int]: (epoch, index in ``[0, length)``).
    """
    idx = int(idx)
    if idx < 0:
        raise IndexError(f'{owner}: negative index {idx}')
    return divmod(idx, length) if idx >= length else (epoch, idx)


@DATA_SAMPLERS.register_module()
class EpochEncodedSampler(DefaultSampler):
    """:class:`mmengine.dataset.DefaultSampler` yielding ``epoch * len(dataset) + i``.

    ``set_epoch`` is called by mmengine's ``EpochBasedTrainLoop`` / ``DistSamplerSeedHook``
    before each epoch, as for ``DefaultSampler``. Same arguments as ``DefaultSampler``.
    """

    def __iter__(self) -> Iterator[int]:
        offset = self.epoch * len(self.dataset)
        for i in super().__iter__():
            yield offset + int(i)


@DATA_SAMPLERS.register_module()
class EpochEncodedInfiniteSampler(InfiniteSampler):
    """:class:`mmengine.dataset.InfiniteSampler` yielding ``pass * len(dataset) + i``.

    For iteration-based training: ``pass`` counts the complete passes over the dataset
    (each a fresh permutation when ``shuffle``), playing the role of the epoch.
    """

    def _infinite_indices(self) -> Iterator[int]:
        g = torch.Generator()
        g.manual_seed(self.seed)
        n = self.size
        p = 0
        while True:
            order = torch.randperm(n, generator=g) if self.shuffle else torch.arange(n)
            for i in order.tolist():
                yield p * n + i
            p += 1
