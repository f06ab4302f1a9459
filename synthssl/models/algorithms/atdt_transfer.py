# Copyright (c) synthssl contributors.
"""AT/DT, Zama Ramirez et al. ICCV 2019: learning across tasks and domains (§3.5-3.6)."""
import copy
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.logging import print_log
from mmengine.runner.checkpoint import _load_checkpoint

from synthssl.registry import MODELS
from ..utils.mmseg_adapter import (check_resnet, decode_single_map, resnet_continue,
                                   resnet_encode)
from .base_dense_algorithm import BaseDenseAlgorithm


def _load_state_dict(path: str, what: str) -> Dict[str, torch.Tensor]:
    try:
        ckpt = _load_checkpoint(path, map_location='cpu')
    except FileNotFoundError:
        raise FileNotFoundError(f'ATDTTransfer: {what} checkpoint {path!r} does not exist')
    sd = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(sd, dict):
        raise ValueError(f'ATDTTransfer: {what} checkpoint {path!r} holds no state dict')
    return {k[7:] if k.startswith('module.') else k: v for k, v in sd.items()}


def _load_prefixed(module: nn.Module, sd: Dict[str, torch.Tensor], prefix: str, path: str,
                   what: str) -> None:
    """Load ``sd[prefix + k]`` into ``module`` (strict), naming the file on any mismatch."""
    sub = {k[len(prefix):]: v for k, v in sd.items() if k.startswith(prefix)}
    if not sub:
        found = sorted({k.split('.')[0] for k in sd})
        raise KeyError(f'ATDTTransfer: {what} checkpoint {path!r} has no {prefix!r}* weights '
                       f'(top-level keys: {found}); expected a stage-1/2 task-network '
                       'checkpoint (mmseg EncoderDecoder/DepthEstimator)')
    own = module.state_dict()
    missing = sorted(set(own) - set(sub))
    unexpected = sorted(set(sub) - set(own))
    bad = [k for k in own if k in sub and tuple(sub[k].shape) != tuple(own[k].shape)]
    if missing or unexpected or bad:
        msg = [f'ATDTTransfer: {what} checkpoint {path!r} does not match the configured '
               f'{prefix.rstrip(".")}:']
        if missing:
            msg.append(f'missing {len(missing)} keys, e.g. {missing[:3]}')
        if unexpected:
            msg.append(f'unexpected {len(unexpected)} keys, e.g. {unexpected[:3]}')
        if bad:
            msg.append('shape mismatch: ' + ', '.join(
                f'{k} {tuple(sub[k].shape)} vs {tuple(own[k].shape)}' for k in bad[:3]))
        raise ValueError(' '.join(msg))
    module.load_state_dict(sub, strict=True)


@MODELS.register_module()
class ATDTTransfer(BaseDenseAlgorithm):
    """Stage 3 (train G_{1→2} on domain A) and stage 4 (solve task 2 on domain B) of AT/DT.

    Holds three networks:

    * ``source_encoder`` = E1, the encoder of N1 (task 1, trained on A ∪ B, stage 1);
    * ``target`` = N2 (task 2, trained on A, stage 2): its encoder E2 gives the regression
      targets, its decoder D2 decodes the transferred features;
    * ``transfer`` = G_{1→2} (:class:`FeatureTransferNetwork`), the only trained part.

    Training (eq. 3; MSE as in the released code)::

        loss_transfer = mean((G(E1(x_A)) - E2(x_A))²)

    with E1, E2 and D2 frozen: ``requires_grad=False`` and kept in eval mode (BN running
    statistics untouched) even when the runner calls ``.train()``.
    Inference (eq. 4): ``D2(G(E1(x_B)))``, returned as N2 returns it (``pred_sem_seg`` /
    ``seg_logits`` for an mmseg ``EncoderDecoder``, ``pred_depth_map`` in metres for a
    ``DepthEstimator``), so mmseg's ``IoUMetric`` or ``synthssl.DepthMetric`` evaluate it.

    Ablations (paper §6):

    * ``transfer_level`` (§6.1): the residual stage of an mmseg ResNet whose output feeds G
      (0..3, -1 = last = the paper's choice). Below the last stage, E = stem..stage k and
      the decoder side is N2's remaining stages k+1.. followed by D2.
    * ``separate_test_source`` / ``test_source_checkpoint`` (§6.2 "non-shared N1"): G is
      trained on features of ``source_checkpoint`` (N1^A, trained on A only) and applied on
      B to features of a second network, loaded from ``test_source_checkpoint`` (N1^B,
      trained on B only). Default: shared N1^{A∪B}.
    * BN (§6.3): ``norm_cfg=dict(type='synthssl.IdentityNorm', bias=True)`` in the task
      networks' backbone and decode head (configs); BN in G: ``transfer.norm_cfg`` (the
      released G has none).

    Args:
        source (dict): config of N1 (e.g. an mmseg ``DepthEstimator``); only its backbone
            is kept.
        target (dict): config of N2 (e.g. an mmseg ``EncoderDecoder``); ``test_cfg.mode``
            must be ``'whole'``.
        transfer (dict): config of G.
        source_checkpoint (str, optional): stage-1 checkpoint (``backbone.*`` loaded).
        target_checkpoint (str, optional): stage-2 checkpoint (``backbone.*`` and
            ``decode_head.*`` loaded). Both are required to train; they are loaded by
            :meth:`init_weights` (the runner calls it before training). A stage-3
            checkpoint already holds all three networks, so testing one needs neither.
        separate_test_source (bool): build the second E1 of §6.2; its weights come from
            ``test_source_checkpoint``, which training then requires. Defaults to False
            (True when ``test_source_checkpoint`` is given).
        test_source_checkpoint (str, optional): see above.
        transfer_level (int): see above. Defaults to -1.
        data_preprocessor (dict, optional): defaults to N2's.
        init_cfg (dict, optional): initialisation of G.
    """

    def __init__(self,
                 source: Dict,
                 target: Dict,
                 transfer: Dict,
                 source_checkpoint: Optional[str] = None,
                 target_checkpoint: Optional[str] = None,
                 test_source_checkpoint: Optional[str] = None,
                 transfer_level: int = -1,
                 separate_test_source: bool = False,
                 data_preprocessor: Optional[Dict] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = copy.deepcopy(target.get('data_preprocessor'))
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        source_model = MODELS.build(source)
        self.source_encoder = source_model.backbone
        del source_model
        self.target = MODELS.build(target)
        self.transfer = MODELS.build(transfer)
        self.test_source_encoder = None
        self.separate_test_source = bool(separate_test_source or test_source_checkpoint)
        if self.separate_test_source:
            self.test_source_encoder = MODELS.build(source).backbone
        self.source_checkpoint = source_checkpoint
        self.target_checkpoint = target_checkpoint
        self.test_source_checkpoint = test_source_checkpoint

        check_resnet(self.source_encoder, 'ATDTTransfer: the source backbone')
        n = check_resnet(self.target.backbone, 'ATDTTransfer: the target backbone')
        if not -n <= transfer_level < n:
            raise ValueError(f'ATDTTransfer: transfer_level {transfer_level} is out of range '
                             f'for a backbone with {n} stages')
        self.transfer_level = transfer_level % n
        test_cfg = self.target.test_cfg or {}
        if test_cfg.get('mode', 'whole') != 'whole':
            raise ValueError("ATDTTransfer: only test_cfg.mode='whole' is supported, got "
                             f"{test_cfg.get('mode')!r}")
        head = self.target.decode_head
        outs = self.target.backbone.out_indices
        if head.input_transform is not None or head.in_index not in (-1, len(outs) - 1) \
                or outs[-1] != n - 1:
            raise ValueError('ATDTTransfer: N2 must decode only the last backbone stage '
                             f'(out_indices ending at {n - 1}, decode_head.in_index -1); got '
                             f'out_indices={outs}, in_index={head.in_index}')
        self._num_outs = len(outs)
        self._frozen = [self.source_encoder, self.target]
        if self.test_source_encoder is not None:
            self._frozen.append(self.test_source_encoder)
        for m in self._frozen:
            m.requires_grad_(False)
        self.weights_loaded = False
        self.train()

    # ------------------------------------------------------------------ weights / modes
    def init_weights(self) -> None:
        """Initialise G, then load N1 and N2 from their stage checkpoints (if set)."""
        super().init_weights()
        self.load_task_networks()

    def load_task_networks(self) -> None:
        """Load E1 (``source_checkpoint``), N2 (``target_checkpoint``) and the optional E1 for
        testing; raise naming the file when keys are missing or shapes differ."""
        if self.source_checkpoint is None or self.target_checkpoint is None:
            return
        if self.separate_test_source and self.test_source_checkpoint is None:
            raise ValueError('ATDTTransfer: separate_test_source=True (non-shared N1) needs '
                             'test_source_checkpoint, the N1^B checkpoint applied on domain B')
        sd = _load_state_dict(self.source_checkpoint, 'source (N1)')
        _load_prefixed(self.source_encoder, sd, 'backbone.', self.source_checkpoint,
                       'source (N1)')
        sd = _load_state_dict(self.target_checkpoint, 'target (N2)')
        _load_prefixed(self.target.backbone, sd, 'backbone.', self.target_checkpoint,
                       'target (N2)')
        _load_prefixed(self.target.decode_head, sd, 'decode_head.', self.target_checkpoint,
                       'target (N2)')
        if self.test_source_encoder is not None:
            sd = _load_state_dict(self.test_source_checkpoint, 'test source (N1^B)')
            _load_prefixed(self.test_source_encoder, sd, 'backbone.',
                           self.test_source_checkpoint, 'test source (N1^B)')
        self.weights_loaded = True
        print_log(f'ATDTTransfer: loaded N1 from {self.source_checkpoint} and N2 from '
                  f'{self.target_checkpoint}', logger='current')

    def train(self, mode: bool = True) -> 'ATDTTransfer':
        """Only G follows ``mode``; E1, N2 (and the test E1) stay in eval mode."""
        super().train(mode)
        for m in getattr(self, '_frozen', []):
            m.eval()
        return self

    # ------------------------------------------------------------------ encoders
    def source_features(self, inputs: torch.Tensor, test_source: bool = False) -> torch.Tensor:
        """E1(x) at the transfer level: (N, 3, H, W) -> (N, C1, h, w). ``test_source``: encode
        with the E1 applied on domain B (N1^B of the non-shared §6.2 variant; the shared E1
        otherwise) instead of the E1 that G is trained on."""
        enc = self.test_source_encoder \
            if (test_source and self.test_source_encoder is not None) else self.source_encoder
        f1 = resnet_encode(enc, inputs, self.transfer_level)
        if f1.shape[1] != self.transfer.in_channels:
            raise ValueError(f'ATDTTransfer: E1 gives {f1.shape[1]} channels at transfer level '
                             f'{self.transfer_level} but transfer.in_channels is '
                             f'{self.transfer.in_channels}')
        return f1

    def target_features(self, inputs: torch.Tensor) -> torch.Tensor:
        """E2(x) at the transfer level, G's regression target: (N, 3, H, W) -> (N, C2, h, w)."""
        return resnet_encode(self.target.backbone, inputs, self.transfer_level)

    def transferred_features(self, inputs: torch.Tensor,
                             test_source: bool = False) -> torch.Tensor:
        """G(E1(x)) at the transfer level: (N, 3, H, W) -> (N, C2, h, w); ``test_source`` as
        in :meth:`source_features`."""
        return self.transfer(self.source_features(inputs, test_source))

    def decode(self, feat: torch.Tensor, batch_img_metas: List[dict]) -> torch.Tensor:
        """D2 (after N2's remaining stages): transferred feature -> N2's head prediction
        at the padded input size (logits, or depth in metres)."""
        feat = resnet_continue(self.target.backbone, feat, self.transfer_level)
        return decode_single_map(self.target, feat, self._num_outs, batch_img_metas)

    # ------------------------------------------------------------------ modes
    def forward_tensor(self, inputs: torch.Tensor) -> torch.Tensor:
        """D2(G(E1(x))) on domain-B images (the test E1): N2's raw head output at the
        input size."""
        return self.decode(self.transferred_features(inputs, test_source=True),
                           self._metas(inputs, None))

    def loss(self, inputs: torch.Tensor, data_samples: Optional[list] = None
             ) -> Dict[str, torch.Tensor]:
        """MSE between G(E1(x)) and E2(x) on (domain-A) images ``inputs`` (N, 3, H, W)."""
        if not self.weights_loaded:
            raise RuntimeError(
                'ATDTTransfer: N1/N2 weights are not loaded; set model.source_checkpoint and '
                'model.target_checkpoint to the stage-1/2 checkpoints (they are loaded by '
                'init_weights(), which the Runner calls before training)')
        with torch.no_grad():
            target = self.target_features(inputs)
        pred = self.transferred_features(inputs)
        if pred.shape != target.shape:
            raise ValueError(f'ATDTTransfer: G gives {tuple(pred.shape)} but E2 gives '
                             f'{tuple(target.shape)}; check transfer.out_channels')
        return dict(loss_transfer=F.mse_loss(pred.float(), target.float()))

    @staticmethod
    def _metas(inputs: torch.Tensor, data_samples: Optional[list]) -> List[dict]:
        if data_samples is not None:
            return [s.metainfo for s in data_samples]
        shape = tuple(inputs.shape[2:])
        return [dict(ori_shape=shape, img_shape=shape, pad_shape=shape,
                     padding_size=[0, 0, 0, 0])] * inputs.shape[0]

    def predict(self, inputs: torch.Tensor, data_samples: Optional[list] = None,
                in_domain: bool = False) -> list:
        """D2(G(E1(x))) post-processed by N2 (unpadded, resized to ``ori_shape``).
        ``in_domain``: images of domain A, encoded with the E1 that G was trained on; else
        domain B, with the test E1 (they differ for the non-shared N1 of §6.2)."""
        metas = self._metas(inputs, data_samples)
        out = self.decode(self.transferred_features(inputs, test_source=not in_domain), metas)
        return self.target.postprocess_result(out, data_samples)

    def val_step(self, data: Union[tuple, dict, list]) -> list:
        """Validation is on domain A (the stage configs' ``val_dataloader``; §6's in-domain
        rows): ``predict(in_domain=True)``. ``test_step`` (the domain-B test) keeps mmengine's
        ``predict`` mode, i.e. the test E1."""
        data = self.data_preprocessor(data, False)
        return self.predict(data['inputs'], data.get('data_samples'), in_domain=True)
