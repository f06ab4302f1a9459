# Copyright (c) synthssl contributors.
"""The base of synthssl's dense-prediction algorithms: mmengine's mode switch and the writing
of ``pred_<task>`` fields, so a subclass only writes ``extract_feat``, ``loss`` and
``predict`` (as mmpretrain's ``BaseSelfSupervisor`` subclasses do)."""
from typing import Dict, List, Optional, Union

import torch
from mmengine.model import BaseModel


class BaseDenseAlgorithm(BaseModel):
    """``forward(inputs, data_samples, mode)`` dispatching to :meth:`forward_tensor`
    (``'tensor'``), :meth:`loss` (``'loss'``) and :meth:`predict` (``'predict'``).

    A head of a dense algorithm follows one contract, as in mmpretrain/mmseg:
    ``head.loss(feats, data_samples)`` returns a dict of weighted losses, the targets taken
    from the data samples' ground truth (:data:`synthssl.structures.TASK_KEYS`);
    ``head.predict(feats, data_samples[, out_size])`` returns the data samples with
    ``pred_<task>`` fields in physical units.
    """

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List] = None,
                mode: str = 'tensor',
                **kwargs) -> Union[Dict[str, torch.Tensor], List, torch.Tensor]:
        """Dispatch on ``mode``; other batch fields (``**kwargs``, e.g. the real images
        of a syn/real paired batch when domain adaptation is off) are not used."""
        if mode == 'tensor':
            return self.forward_tensor(inputs)
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        raise RuntimeError(f'Invalid mode "{mode}".')

    def forward_tensor(self, inputs: torch.Tensor):
        """(N, 3, H, W) images -> the head's raw outputs."""
        raise NotImplementedError

    def loss(self, inputs: torch.Tensor, data_samples: List) -> Dict[str, torch.Tensor]:
        """Losses of a batch; the ground truth is in ``data_samples``."""
        raise NotImplementedError

    def predict(self, inputs: torch.Tensor, data_samples: Optional[List] = None) -> List:
        """Data samples with ``pred_<task>`` fields."""
        raise NotImplementedError

    @staticmethod
    def pred_size(inputs: torch.Tensor, data_samples: Optional[List], gt_key: str):
        """(H, W) to predict at: the data samples' ``gt_key`` map's when they carry one
        (evaluation at the ground truth's resolution), else the input's."""
        if data_samples and gt_key in data_samples[0]:
            return data_samples[0].get(gt_key).shape[-2:]
        return inputs.shape[-2:]
