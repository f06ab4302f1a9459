# Copyright (c) synthssl contributors.
"""Normalises a synthetic batch and, when present, its paired real batch."""
from typing import Dict, Union

from mmengine.model import ImgDataPreprocessor

from synthssl.registry import MODELS


@MODELS.register_module()
class SynRealDataPreprocessor(ImgDataPreprocessor):
    """:class:`mmengine.model.ImgDataPreprocessor` for paired synthetic + real batches.

    Accepts either an ordinary batch ``{'inputs', 'data_samples'}`` (validation, or
    training without domain adaptation) or a paired one ``{'syn': batch, 'real': batch}``
    as :class:`synthssl.datasets.SynRealPairDataset` yields it. Both domains get the same
    normalisation (the authors: RGB / 255 - ImageNet mean, std 1).

    Returns:
        dict: ``inputs`` (N, 3, H, W) float and ``data_samples`` of the synthetic batch,
        plus ``real_inputs`` (M, 3, H', W') for a paired batch.
    """

    def forward(self, data: Dict, training: bool = False) -> Union[Dict, list]:
        if 'syn' not in data:
            return super().forward(data, training)
        if 'real' not in data:
            raise KeyError("a paired batch needs both 'syn' and 'real'")
        syn = super().forward(data['syn'], training)
        real = super().forward(data['real'], training)
        return dict(inputs=syn['inputs'], data_samples=syn['data_samples'],
                    real_inputs=real['inputs'])
