# Copyright (c) synthssl contributors.
"""Dense surface-normal estimation by fine-tuning a pretrained backbone (Ren & Lee §4.5)."""
from typing import Dict, List, Optional

import torch

from synthssl.registry import MODELS
from synthssl.structures import ensure_data_samples
from .base_dense_algorithm import BaseDenseAlgorithm


@MODELS.register_module()
class DenseNormalEstimator(BaseDenseAlgorithm):
    """Backbone + dense normal head, trained on ``gt_normal`` of the data samples.

    Args:
        backbone (dict): e.g. ``SynthVGG16`` with ``out_indices=('conv3_3', 'conv4_3',
            'conv5_3')``; initialise it from a pretraining checkpoint with
            ``init_cfg=dict(type='Pretrained', checkpoint=..., prefix='backbone.')``.
        head (dict): e.g. :class:`FCNNormalHead` (takes the backbone's output tuple).
        data_preprocessor (dict, optional): defaults to mmengine's ``ImgDataPreprocessor``
            with the pretraining normalisation (RGB / 255 - ImageNet mean, std 1) for BGR-
            loaded images.
        init_cfg (dict, optional): initialisation.
    """

    def __init__(self,
                 backbone: Dict,
                 head: Dict,
                 data_preprocessor: Optional[Dict] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='ImgDataPreprocessor',
                                     mean=[123.675, 116.28, 103.53], std=[255., 255., 255.],
                                     bgr_to_rgb=True)
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.head = MODELS.build(head)

    def init_weights(self) -> None:
        """Initialise; a ``Pretrained`` backbone ``init_cfg`` must name a checkpoint."""
        cfg = getattr(self.backbone, 'init_cfg', None)
        for c in (cfg if isinstance(cfg, list) else [cfg]):
            if isinstance(c, dict) and c.get('type') == 'Pretrained' and not c.get('checkpoint'):
                raise ValueError('DenseNormalEstimator: the backbone init_cfg is Pretrained but '
                                 'names no checkpoint; set model.backbone.init_cfg.checkpoint '
                                 '(e.g. --cfg-options model.backbone.init_cfg.checkpoint=PATH)')
        super().init_weights()

    def extract_feat(self, inputs: torch.Tensor) -> tuple:
        """(N, 3, H, W) -> the backbone's tuple of maps."""
        feats = self.backbone(inputs)
        return tuple(feats) if isinstance(feats, (list, tuple)) else (feats, )

    def forward_tensor(self, inputs: torch.Tensor) -> torch.Tensor:
        """(N, 3, H, W) unit normals at the input size."""
        return self.head(self.extract_feat(inputs), inputs.shape[-2:])

    def loss(self, inputs: torch.Tensor, data_samples: List) -> Dict[str, torch.Tensor]:
        """``dict(loss_normal)`` against the data samples' ``gt_normal``."""
        return self.head.loss(self.extract_feat(inputs), data_samples)

    def predict(self, inputs: torch.Tensor, data_samples: Optional[List] = None) -> List:
        """Data samples with ``pred_normal`` (3, H, W) unit normals at the size of their
        ``gt_normal`` (else the input's)."""
        size = self.pred_size(inputs, data_samples, 'gt_normal')
        data_samples = ensure_data_samples(data_samples, inputs)
        return self.head.predict(self.extract_feat(inputs), data_samples, size)
