# Copyright (c) synthssl contributors.
"""Ren & Lee, CVPR 2018: multi-task learning on synthetic images with feature-level
adversarial domain adaptation to real images (Alg. 1)."""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapper, OptimWrapperDict

from synthssl.registry import MODELS
from synthssl.structures import ensure_data_samples
from ..utils import FeatureHistoryPool
from .base_dense_algorithm import BaseDenseAlgorithm

REAL, SYN = 1.0, 0.0  # discriminator targets (the authors' code: real = 1)


@MODELS.register_module()
class CrossDomainMultiTask(BaseDenseAlgorithm):
    """Backbone B + task heads H on synthetic images, patch discriminator D on real vs.
    synthetic features.

    Per iteration (the authors' order, ``train_step`` with an ``OptimWrapperDict`` holding
    ``generator`` = B + H and ``discriminator`` = D):

    1. B forwards the synthetic batch (to the DA layer and the head layer(s)) and the real
       batch (to the DA layer only); separate passes, so BN statistics stay per domain.
    2. **D step**: D classifies history-pooled, detached features,
       ``L_D = ½ [BCE(D(z_real), 1) + BCE(D(z_syn), 0)]``.
    3. **B+H step** with D frozen: ``λ_s L_s + λ_d L_d + λ_e L_e + w_adv · BCE(D(z_syn), 1)``
       (synthetic features are pushed to look real); ``bi_fool`` also adds
       ``w_adv · BCE(D(z_real), 0)``.

    Without a discriminator (``discriminator=None``, the "no DA" ablation) the model trains
    with one optimiser through mmengine's default ``train_step`` on the task losses.

    Args:
        backbone (dict): e.g. ``SynthAlexNet``; its ``out_indices``/``tap`` are set here.
        heads (dict): e.g. ``MultiTaskDeconvHead``.
        discriminator (dict, optional): e.g. ``PatchDiscriminator``; None disables DA.
        da_layer (str): backbone stage D looks at (Table 3: conv1, conv4, conv5, fc6).
            Defaults to ``'conv5'``.
        da_tap (str): 'pre' (the authors' pre-ReLU features) or 'post'. Defaults to 'pre'.
        head_layer (str | Sequence[str]): backbone stage the heads decode, or several
            (the heads then get a tuple, e.g. ``('conv5_3', 'conv4_3', 'conv3_3',
            'conv2_2')`` for the VGG16 network's skip decoders). Defaults to ``'fc7'``.
        adv_weight (float): weight of the generator's adversarial loss. Defaults to 0.05.
        bi_fool (bool): also push real features to look synthetic. Defaults to False.
        pool_size (int): history pool per domain; 0 (the paper, which leaves a history
            buffer "for future study") disables it, the authors' code used 128. Defaults to 0.
        data_preprocessor (dict, optional): defaults to :class:`SynRealDataPreprocessor`
            with the authors' normalisation (RGB / 255 - ImageNet mean, std 1) and
            ``bgr_to_rgb=True`` (the loaders give BGR), as the shipped configs set it.
        init_cfg (dict, optional): initialisation.
    """

    def __init__(self,
                 backbone: Dict,
                 heads: Dict,
                 discriminator: Optional[Dict] = None,
                 da_layer: str = 'conv5',
                 da_tap: str = 'pre',
                 head_layer: Union[str, Sequence[str]] = 'fc7',
                 adv_weight: float = 0.05,
                 bi_fool: bool = False,
                 pool_size: int = 0,
                 data_preprocessor: Optional[Dict] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='synthssl.SynRealDataPreprocessor',
                                     mean=[123.675, 116.28, 103.53], std=[255., 255., 255.],
                                     bgr_to_rgb=True)  # the loaders give BGR
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.with_da = discriminator is not None
        if not isinstance(head_layer, str):
            head_layer = tuple(head_layer)
            if not head_layer:
                raise ValueError('CrossDomainMultiTask: head_layer must name at least one '
                                 'backbone stage')
        self.da_layer, self.da_tap, self.head_layer = da_layer, da_tap, head_layer
        backbone = dict(backbone)
        head_layers = self._head_layers
        if self.with_da:
            backbone.update(out_indices=(da_layer, ) + head_layers,
                            tap=(da_tap, ) + ('post', ) * len(head_layers))
        else:
            backbone.update(out_indices=head_layers, tap='post')
        self.backbone = MODELS.build(backbone)
        self.heads = MODELS.build(heads)
        if self.with_da:
            discriminator = dict(discriminator)
            discriminator.setdefault('in_layer', da_layer)
            self.discriminator = MODELS.build(discriminator)
            self.pool_syn = FeatureHistoryPool(pool_size)
            self.pool_real = FeatureHistoryPool(pool_size)
        self.adv_weight = adv_weight
        self.bi_fool = bi_fool

    # ------------------------------------------------------------------ features
    @property
    def _head_layers(self) -> Tuple[str, ...]:
        return (self.head_layer, ) if isinstance(self.head_layer, str) else self.head_layer

    def _head_input(self, feats: Sequence[torch.Tensor]
                    ) -> Union[torch.Tensor, Tuple[torch.Tensor, ...]]:
        return feats[0] if isinstance(self.head_layer, str) else tuple(feats)

    def extract_feat(self, inputs: torch.Tensor
                     ) -> Union[torch.Tensor, Tuple[torch.Tensor, ...]]:
        """(N, 3, H, W) images -> the features the heads decode: (N, C, h, w) for one
        ``head_layer`` (fc7), a tuple of maps in ``head_layer`` order for several."""
        return self._head_input(self.backbone(inputs, out_indices=self._head_layers))

    def _da_feat(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.backbone(inputs, out_indices=(self.da_layer, ), taps=(self.da_tap, ))[0]

    # ------------------------------------------------------------------ mmengine API
    def forward_tensor(self, inputs: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Raw head outputs at the input size (see :meth:`MultiTaskDeconvHead.forward`)."""
        return self.heads(self.extract_feat(inputs), inputs.shape[-2:])

    def loss(self, inputs: torch.Tensor, data_samples: List) -> Dict[str, torch.Tensor]:
        """Task losses of a synthetic batch (no adversarial term: that is
        :meth:`train_step`'s)."""
        heads = self._unwrap(self.heads)
        if heads is self.heads:
            return heads.loss(self.extract_feat(inputs), data_samples)
        # Under MMSeparateDistributedDataParallel the heads' forward must go through their
        # DDP wrapper (it triggers the gradient all-reduce), as in train_step.
        targets = heads.targets(data_samples, inputs.device)
        preds = self.heads(self.extract_feat(inputs), next(iter(targets.values())).shape[-2:])
        return heads.loss_by_preds(preds, targets)

    def predict(self, inputs: torch.Tensor, data_samples: Optional[List] = None) -> List:
        """Data samples with ``pred_normal`` (3, H, W), ``pred_depth`` (1, H, W) metres,
        ``pred_contour`` (1, H, W) probabilities, at the ground truth's size."""
        size = self.pred_size(inputs, data_samples, 'gt_depth')
        data_samples = ensure_data_samples(data_samples, inputs)
        return self._unwrap(self.heads).predict(self.extract_feat(inputs), data_samples, size)

    def train_step(self, data: Union[Dict, tuple, list],
                   optim_wrapper: Union[OptimWrapper, OptimWrapperDict]) -> Dict[str, torch.Tensor]:
        if not self.with_da:
            return super().train_step(data, optim_wrapper)
        if not isinstance(optim_wrapper, OptimWrapperDict) or \
                {'generator', 'discriminator'} - set(optim_wrapper.keys()):
            raise TypeError('CrossDomainMultiTask with a discriminator needs an OptimWrapperDict '
                            "with 'generator' and 'discriminator' (use "
                            "constructor='synthssl.MultiOptimWrapperConstructor')")
        data = self.data_preprocessor(data, True)
        if 'real_inputs' not in data:
            raise KeyError('domain adaptation needs paired batches: wrap the dataset in '
                           'synthssl.SynRealPairDataset')
        syn, real, samples = data['inputs'], data['real_inputs'], data['data_samples']
        g_wrapper, d_wrapper = optim_wrapper['generator'], optim_wrapper['discriminator']
        log: Dict[str, torch.Tensor] = {}

        with g_wrapper.optim_context(self.backbone):
            z_syn, *head_feats = self.backbone(syn)
            feat_syn = self._head_input(head_feats)
            # Real images reach B's parameters only through bi-fool's loss; otherwise their
            # features are only D's input (B's BN statistics still see them).
            with torch.set_grad_enabled(self.bi_fool):
                z_real = self._da_feat(real)

        # D step on detached (pooled) features.
        self._set_requires_grad(self.discriminator, True)
        with d_wrapper.optim_context(self.discriminator):
            d_syn = self.discriminator(self.pool_syn(z_syn.detach()))
            d_real = self.discriminator(self.pool_real(z_real.detach()))
            loss_d = 0.5 * (self._bce(d_real, REAL) + self._bce(d_syn, SYN))
        d_wrapper.update_params(loss_d)
        log['loss_d'] = loss_d.detach()
        log['acc_d_syn'] = ((d_syn.detach() < 0).float().mean() * 100)
        log['acc_d_real'] = ((d_real.detach() > 0).float().mean() * 100)

        # B + H step with D frozen. Under MMSeparateDistributedDataParallel each sub-module
        # is a DDP wrapper: the heads' forward goes through it (gradient all-reduce), the
        # frozen D is called unwrapped (no gradient of its own to synchronise).
        self._set_requires_grad(self.discriminator, False)
        heads, disc = self._unwrap(self.heads), self._unwrap(self.discriminator)
        with g_wrapper.optim_context(self.heads):
            targets = heads.targets(samples, syn.device)
            preds = self.heads(feat_syn, next(iter(targets.values())).shape[-2:])
            task_losses = heads.loss_by_preds(preds, targets)
            loss_adv = self.adv_weight * self._bce(disc(z_syn), REAL)
            if self.bi_fool:
                loss_adv = loss_adv + self.adv_weight * self._bce(disc(z_real), SYN)
            loss_g = sum(task_losses.values()) + loss_adv
        g_wrapper.update_params(loss_g)
        self._set_requires_grad(self.discriminator, True)
        log.update({k: v.detach() for k, v in task_losses.items()})
        log['loss_adv'] = loss_adv.detach()
        log['loss'] = loss_g.detach()
        return log

    @staticmethod
    def _unwrap(module: torch.nn.Module) -> torch.nn.Module:
        return module.module if is_model_wrapper(module) else module

    @staticmethod
    def _bce(logits: torch.Tensor, target: float) -> torch.Tensor:
        return F.binary_cross_entropy_with_logits(logits.float(),
                                                  torch.full_like(logits.float(), target))

    @staticmethod
    def _set_requires_grad(module: torch.nn.Module, flag: bool) -> None:
        for p in module.parameters():
            p.requires_grad_(flag)
