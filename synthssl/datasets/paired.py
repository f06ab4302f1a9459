# Copyright (c) synthssl contributors.
"""Synthetic / real pairs for domain adaptation (Ren & Lee's Places365 stream)."""
from collections import OrderedDict
from typing import Dict, Tuple, Union

import numpy as np
from mmengine.dataset import BaseDataset

from synthssl.registry import DATASETS
from .samplers import decode_epoch_index


@DATASETS.register_module()
class SynRealPairDataset(BaseDataset):
    """Each item is ``dict(syn=<synthetic sample>, real=<real sample>)``.

    Length = the synthetic dataset's; an epoch is one pass over the synthetic set, as in
    Ren & Lee, whose real (Places365) iterator restarted independently when exhausted.

    **Design.** No iterator state is shared or mutated. The real stream is a virtual
    sequence ``R`` of real indices made of consecutive passes, pass ``p`` being the seeded
    permutation ``perm_p = default_rng([seed, p]).permutation(len(real))``. Synthetic
    index ``i`` in epoch ``e`` is paired with stream position ``t = e * len(syn) + i``,
    i.e. real index ``perm_p[o]`` with ``p, o = divmod(t, len(real))``. Consequently:

    * it is a pure function of ``(seed, e, i)``: deterministic, worker- and rank-safe;
    * within an epoch the synthetic indices ``0..len(syn)-1`` cover the stream positions
      ``e * len(syn) ...`` exactly once, so however mmengine's ``DefaultSampler`` shuffles
      and splits them across DDP ranks, different synthetic indices (hence different ranks)
      get different real items as long as their positions fall in the same pass over the
      real set (with ``len(real) >= len(syn)`` an epoch spans at most two passes), and
      every real image is used exactly once per pass;
    * when the real set is exhausted the stream continues with a fresh permutation (a new
      pass), independently of the synthetic epoch boundaries.

    **How the dataset learns the epoch.** Preferably from the index: with the sampler
    ``type='synthssl.EpochEncodedSampler'`` (or ``EpochEncodedInfiniteSampler`` for
    iteration-based loops) the sampler -- to which mmengine's loop and
    ``DistSamplerSeedHook`` call ``set_epoch`` -- yields ``e * len(syn) + i`` and
    ``__getitem__`` decodes it. This reaches persistent DataLoader workers too. Plain
    indices ``0 <= idx < len(self)`` (e.g. from ``DefaultSampler``) use the epoch last
    given to :meth:`set_epoch` (default 0); that only reaches workers started after the
    call (``persistent_workers=False`` or ``num_workers=0``), so prefer the sampler.

    Args:
        syn (dict | BaseDataset): synthetic dataset (config or object), with its pipeline.
        real (dict | BaseDataset): real dataset (config or object), with its pipeline.
        seed (int): seed of the real-stream permutations. Default 0.
        lazy_init (bool): defer building/initialising the two datasets. Default False.
    """

    def __init__(self, syn: Union[Dict, BaseDataset], real: Union[Dict, BaseDataset],
                 seed: int = 0, lazy_init: bool = False) -> None:
        self.syn = DATASETS.build(syn) if isinstance(syn, dict) else syn
        self.real = DATASETS.build(real) if isinstance(real, dict) else real
        self.seed = int(seed)
        self._epoch = 0
        self._perm_cache: 'OrderedDict[int, np.ndarray]' = OrderedDict()
        super().__init__(serialize_data=False, lazy_init=True, pipeline=[])
        self._metainfo = self.syn.metainfo
        if not lazy_init:
            self.full_init()

    def full_init(self) -> None:
        """Initialise both datasets; the real one must not be empty."""
        if self._fully_initialized:
            return
        for ds in (self.syn, self.real):
            if hasattr(ds, 'full_init'):
                ds.full_init()
        if len(self.real) == 0:
            raise ValueError('SynRealPairDataset: the real dataset is empty')
        self._fully_initialized = True

    def set_epoch(self, epoch: int) -> None:
        """Epoch used for plain (not epoch-encoded) indices; see the class docstring."""
        self._epoch = int(epoch)

    def _perm(self, p: int) -> np.ndarray:
        perm = self._perm_cache.get(p)
        if perm is None:
            perm = np.random.default_rng([self.seed, p]).permutation(len(self.real))
            self._perm_cache[p] = perm
            while len(self._perm_cache) > 4:  # a worker only ever needs one or two passes
                self._perm_cache.popitem(last=False)
        return perm

    def decode_index(self, idx: int) -> Tuple[int, int]:
        """``idx`` -> (epoch, synthetic index): epoch-encoded if ``idx >= len(self)``."""
        return decode_epoch_index(idx, len(self.syn), self._epoch, 'SynRealPairDataset')

    def real_index(self, syn_index: int, epoch: int) -> int:
        """The real index paired with ``syn_index`` in ``epoch``."""
        p, o = divmod(epoch * len(self.syn) + syn_index, len(self.real))
        return int(self._perm(p)[o])

    def __len__(self) -> int:
        if not self._fully_initialized:
            self.full_init()
        return len(self.syn)

    def get_data_info(self, idx: int) -> Dict:
        """Un-transformed infos: ``dict(syn=..., real=..., epoch=...)``."""
        if not self._fully_initialized:
            self.full_init()
        epoch, i = self.decode_index(idx)
        return dict(syn=self.syn.get_data_info(i),
                    real=self.real.get_data_info(self.real_index(i, epoch)), epoch=epoch)

    def __getitem__(self, idx: int) -> Dict:
        """``dict(syn=syn[i], real=real[j])`` after each dataset's own pipeline."""
        if not self._fully_initialized:
            self.full_init()
        epoch, i = self.decode_index(idx)
        # Datasets that accept epoch-encoded indices (e.g. OnTheFlySyntheticDataset, which
        # renders new views every epoch) get the epoch too.
        syn_idx = epoch * len(self.syn) + i if getattr(self.syn, 'EPOCH_ENCODED_INDICES',
                                                       False) else i
        return dict(syn=self.syn[syn_idx], real=self.real[self.real_index(i, epoch)])
