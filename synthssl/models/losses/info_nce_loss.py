# Copyright (c) synthssl contributors.
"""InfoNCE with one positive key per query and a queue of negatives (MoCo / CSG)."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from synthssl.registry import MODELS


@MODELS.register_module()
class InfoNCELoss(nn.Module):
    r"""InfoNCE (Oord et al. 2018) as in MoCo/CSG:

    .. math:: L = -\frac{1}{N}\sum_i \log
        \frac{e^{q_i\cdot k_i/\tau}}{e^{q_i\cdot k_i/\tau} + \sum_j e^{q_i\cdot n_j/\tau}}

    i.e. cross-entropy of the logits ``[q·k, q·queue] / τ`` with label 0. The inputs are
    expected L2-normalised (not re-normalised here).

    Args:
        temperature (float): τ. Defaults to 0.07.
        loss_weight (float): multiplier (CSG's λ). Defaults to 1.0.
    """

    def __init__(self, temperature: float = 0.07, loss_weight: float = 1.0) -> None:
        super().__init__()
        if temperature <= 0:
            raise ValueError(f'InfoNCELoss: temperature must be > 0, got {temperature}')
        self.temperature = temperature
        self.loss_weight = loss_weight

    def forward(self, query: torch.Tensor, key: torch.Tensor,
                negatives: torch.Tensor) -> torch.Tensor:
        """
        Args:
            query (Tensor): (N, D) queries.
            key (Tensor): (N, D) positive keys (no gradient expected).
            negatives (Tensor): (K, D) negative keys (a snapshot of the queue).

        Returns:
            Tensor: scalar, ``loss_weight`` times the mean InfoNCE over the N queries.
        """
        if query.shape != key.shape or negatives.dim() != 2 or \
                negatives.shape[1] != query.shape[1]:
            raise ValueError(f'InfoNCELoss: query {tuple(query.shape)}, key {tuple(key.shape)} '
                             f'and negatives {tuple(negatives.shape)} do not fit (N, D)/(K, D)')
        query = query.float()
        l_pos = (query * key.float()).sum(dim=1, keepdim=True)
        l_neg = query @ negatives.float().t()
        logits = torch.cat([l_pos, l_neg], dim=1) / self.temperature
        labels = torch.zeros(logits.shape[0], dtype=torch.long, device=logits.device)
        return self.loss_weight * F.cross_entropy(logits, labels)
