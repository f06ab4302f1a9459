# Copyright (c) synthssl contributors.
"""CSG (Chen et al., ICLR 2021): contrastive synthetic-to-real generalisation, as a wrapper
around an mmpretrain classifier or an mmseg encoder-decoder segmentor."""
import copy
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseDataPreprocessor, BaseModel, ExponentialMovingAverage
from torch.nn.modules.batchnorm import _BatchNorm

from synthssl.registry import MODELS
from ..utils import ContrastiveQueue, attention_pool, chunk_feature, global_avg_pool
from ..utils.mmseg_adapter import mark_initialized, segmentor_train_losses

POOLS = dict(apool=attention_pool, gap=global_avg_pool)


class _ViewwisePreprocessor(BaseDataPreprocessor):
    """Runs the wrapped model's data preprocessor on each view of multi-view inputs.

    Accepts what the packing transforms give after collation: per-sample ``[query, key]``
    lists (``pseudo_collate``, mmseg) or a list of batched views (``default_collate`` of
    mmpretrain's ``MultiView``), and single-view inputs (validation) unchanged. Returns
    ``inputs`` as ``[query (N, C, H, W), key (N, C, H, W)]`` for multi-view data.
    """

    def __init__(self, inner: BaseDataPreprocessor) -> None:
        super().__init__()
        self.inner = inner

    @staticmethod
    def split_views(inputs) -> List:
        if isinstance(inputs, torch.Tensor) or not inputs:
            return [inputs]
        first = inputs[0]
        if isinstance(first, (list, tuple)):  # pseudo_collate: [[q, k], [q, k], ...]
            num = len(first)
            if any(len(s) != num for s in inputs):
                raise ValueError('CSG: every sample must have the same number of views')
            return [[s[v] for s in inputs] for v in range(num)]
        if isinstance(first, torch.Tensor) and first.dim() == 4:  # default_collate of views
            return list(inputs)
        return [inputs]

    def forward(self, data: dict, training: bool = False) -> dict:
        views = self.split_views(data['inputs'])
        if len(views) == 1:
            return self.inner(data, training)
        if training and getattr(self.inner, 'batch_augments', None) is not None:
            raise ValueError('CSG: batch augments (mixup/cutmix) would mix query and key views '
                             'differently; remove `batch_augments` from the data_preprocessor')
        samples = data.get('data_samples')
        out = self.inner(dict(inputs=views[0], data_samples=samples), training)
        batch = [out['inputs']]
        for view in views[1:]:
            extra = self.inner(dict(inputs=view, data_samples=copy.deepcopy(samples)),
                               training)['inputs']
            if extra.shape != batch[0].shape:
                raise ValueError(f'CSG: key view batch {tuple(extra.shape)} differs from the '
                                 f'query batch {tuple(batch[0].shape)}')
            batch.append(extra)
        return dict(inputs=batch, data_samples=out['data_samples'])


@MODELS.register_module()
class CSG(BaseModel):
    """Contrastive synthetic-to-real generalisation around a task model.

    The task model (mmpretrain ``ImageClassifier`` or mmseg ``EncoderDecoder``) is trained
    with its own loss plus, for each stage ``s`` in ``stages``,
    ``λ · InfoNCE(q_s, k_s, queue_s)`` (stage losses summed, as released):

    * ``q_s = normalize(MLP_q^s(pool(f^s(x_q))))`` from the student backbone ``f`` on the
      query view;
    * ``k_s = normalize(MLP_k^s(pool(f_0^s(x_k))))`` from the **frozen teacher** ``f_0``, a
      copy of the student backbone's initial (ImageNet) weights (``requires_grad=False``,
      always in eval mode), on the key view; only the projection MLP is an EMA
      (``MLP_k ← m MLP_k + (1 − m) MLP_q``, mmengine ``ExponentialMovingAverage``) updated
      before the keys are computed each iteration;
    * pooling is A-pool (attention from the query's own features; for keys from the
      student's features of ``x_k``, an extra no-grad student forward) or GAP;
    * ``chunks > 1`` (segmentation) splits the stage maps into chunks x chunks tiles, one
      contrastive sample per tile;
    * ``queue_s`` (K keys) is a FIFO of past keys, gathered over processes under DDP.

    Training inputs are ``[query, key]`` views (see :mod:`synthssl.datasets.transforms.
    csg_views`); validation/test inputs are single images and go through the task model's
    ``predict``, or for classifiers with ``test_cfg=dict(flip=True, score='sigmoid')`` the
    authors' VisDA scoring ``(σ(logits(x)) + σ(logits(flip(x)))) / 2``.

    Args:
        model (dict): the task model; its backbone's ``out_indices`` must contain
            ``s - 1`` for every stage (ResNet ``layer{s}``).
        stages (Sequence[int]): ResNet stages (1-4) to contrast. Defaults to (3, 4).
        in_channels (Sequence[int], optional): channels of those stages; by default read
            from the last conv of ``backbone.layer{s}``.
        proj_dim (int): embedding dimension. Defaults to 128.
        queue_len (int): K. Defaults to 65536.
        momentum (float): m of the key MLP's EMA. Defaults to 0.999.
        pool (str): ``'apool'`` or ``'gap'``. Defaults to ``'apool'``.
        chunks (int): tiles per side (8 for segmentation). Defaults to 1.
        loss_nce (dict): the contrastive loss; its ``loss_weight`` is λ.
        freeze_bn (bool): keep the student backbone's (and neck's) BN layers in eval mode
            while training (running statistics frozen, as the authors' ``model.eval()``);
            heads keep their mode. Defaults to True.
        test_cfg (dict, optional): classifiers only: ``flip`` (bool) averages the scores
            of the image and its horizontal flip, ``score`` is ``'softmax'`` or
            ``'sigmoid'``. None uses the task model's ``predict``.
        data_preprocessor (dict, optional): merged into ``model`` as its
            ``data_preprocessor`` when that has none (mmengine's Runner passes the config's
            top-level ``data_preprocessor`` here). The wrapper runs the task model's
            preprocessor on each view.
        init_cfg (dict, optional): initialisation.
    """

    def __init__(self,
                 model: Dict,
                 stages: Sequence[int] = (3, 4),
                 in_channels: Optional[Sequence[int]] = None,
                 proj_dim: int = 128,
                 queue_len: int = 65536,
                 momentum: float = 0.999,
                 pool: str = 'apool',
                 chunks: int = 1,
                 loss_nce: Dict = dict(
                     type='synthssl.InfoNCELoss', temperature=0.07, loss_weight=0.1),
                 freeze_bn: bool = True,
                 test_cfg: Optional[Dict] = None,
                 data_preprocessor: Optional[Dict] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        model = copy.deepcopy(model)
        if isinstance(data_preprocessor, dict) and model.get('data_preprocessor') is None:
            model['data_preprocessor'] = data_preprocessor
        self.model = MODELS.build(model)
        self.data_preprocessor = _ViewwisePreprocessor(self.model.data_preprocessor)
        if hasattr(self.model, 'decode_head'):
            self.task = 'seg'
        elif hasattr(self.model, 'head'):
            self.task = 'cls'
        else:
            raise TypeError(f'CSG wraps a classifier (with `head`) or an encoder-decoder '
                            f'segmentor (with `decode_head`), got {type(self.model).__name__}')
        if pool not in POOLS:
            raise ValueError(f'CSG: pool must be one of {sorted(POOLS)}, got {pool!r}')
        self.stages, self.pool, self.chunks = tuple(stages), pool, chunks
        self.freeze_bn = freeze_bn
        self.test_cfg = dict(test_cfg or {})
        if self.test_cfg and self.task != 'cls':
            raise ValueError('CSG: test_cfg (flip/score) is for classifiers; configure '
                             'segmentation inference in the segmentor (or mmseg TTA)')
        if self.test_cfg.get('score', 'softmax') not in ('softmax', 'sigmoid'):
            raise ValueError(f"CSG: test_cfg.score must be 'softmax' or 'sigmoid', got "
                             f"{self.test_cfg['score']!r}")

        backbone = self.model.backbone
        out_indices = list(getattr(backbone, 'out_indices', ()))
        missing = [s for s in self.stages if s - 1 not in out_indices]
        if missing:
            raise ValueError(f'CSG: stages {missing} are not returned by the backbone; set its '
                             f'out_indices to include {[s - 1 for s in self.stages]} '
                             f'(got {out_indices})')
        self._positions = [out_indices.index(s - 1) for s in self.stages]
        if in_channels is None:
            in_channels = [self._stage_channels(backbone, s) for s in self.stages]
        if len(in_channels) != len(self.stages):
            raise ValueError('CSG: in_channels needs one entry per stage')

        # Frozen teacher: re-copied from the student after init_weights (pretrained loading).
        self.teacher = copy.deepcopy(backbone)
        self.teacher.requires_grad_(False)
        mark_initialized(self.teacher)  # weights copied from the student in init_weights
        self.teacher.eval()

        self.mlp_q = nn.ModuleDict({
            f'stage{s}': nn.Sequential(nn.Linear(c, c), nn.ReLU(inplace=True), nn.Linear(c, proj_dim))
            for s, c in zip(self.stages, in_channels)
        })
        # mmengine's momentum is the weight of the new value: 1 - m.
        self.mlp_k = ExponentialMovingAverage(self.mlp_q, momentum=1. - momentum)
        self.queues = nn.ModuleDict(
            {f'stage{s}': ContrastiveQueue(queue_len, proj_dim) for s in self.stages})
        self.loss_nce = MODELS.build(loss_nce)

    @staticmethod
    def _stage_channels(backbone: nn.Module, stage: int) -> int:
        layer = getattr(backbone, f'layer{stage}', None)
        convs = [m for m in layer[-1].modules() if isinstance(m, nn.Conv2d)] \
            if isinstance(layer, nn.Sequential) else []
        if not convs:
            raise ValueError(f'CSG: cannot read the channels of stage {stage} from '
                             f'{type(backbone).__name__}; pass in_channels')
        return convs[-1].out_channels

    # ------------------------------------------------------------------ init / modes
    def init_weights(self) -> None:
        """Initialise the task model (e.g. load ImageNet weights), then copy the student
        backbone into the frozen teacher and the query MLP into the key MLP."""
        super().init_weights()
        self.teacher.load_state_dict(self.model.backbone.state_dict())
        self.mlp_k.module.load_state_dict(self.mlp_q.state_dict())

    def train(self, mode: bool = True) -> 'CSG':
        super().train(mode)
        self.teacher.eval()
        if mode and self.freeze_bn:
            frozen = [self.model.backbone]
            if getattr(self.model, 'with_neck', False):
                frozen.append(self.model.neck)
            for part in frozen:
                for m in part.modules():
                    if isinstance(m, _BatchNorm):
                        m.eval()
        return self

    # ------------------------------------------------------------------ mmengine API
    def forward(self,
                inputs: Union[torch.Tensor, List[torch.Tensor]],
                data_samples: Optional[List] = None,
                mode: str = 'tensor'):
        """``'loss'`` needs ``[query, key]`` views; ``'predict'`` and ``'tensor'`` take
        (N, C, H, W) images (the first view of multi-view inputs)."""
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if isinstance(inputs, (list, tuple)):
            inputs = inputs[0]
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.model(inputs, data_samples, mode='tensor')
        raise RuntimeError(f'Invalid mode "{mode}".')

    def loss(self, inputs: List[torch.Tensor], data_samples: List) -> Dict[str, torch.Tensor]:
        """Task losses of the wrapped model plus ``loss_nce_stage{s}`` (λ included)."""
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError('CSG needs [query, key] views in training; use MultiView '
                             '(classification) or AddKeyView + PackCSGSegInputs '
                             '(segmentation) in the train pipeline')
        img_q, img_k = inputs
        feats_q = self.model.backbone(img_q)
        losses = self._task_loss(feats_q, data_samples)

        pool = POOLS[self.pool]
        with torch.no_grad():
            self.mlp_k.update_parameters(self.mlp_q)
            feats_t = self.teacher(img_k)
            # A-pool of the teacher's key features uses the student's attention on x_k.
            feats_sk = self.model.backbone(img_k) if self.pool == 'apool' else feats_t
        for s, pos in zip(self.stages, self._positions):
            name = f'stage{s}'
            fq = chunk_feature(feats_q[pos], self.chunks)
            q = F.normalize(self.mlp_q[name](pool(fq, fq)), dim=1)
            with torch.no_grad():
                fk = chunk_feature(feats_t[pos], self.chunks)
                attn = chunk_feature(feats_sk[pos], self.chunks)
                k = F.normalize(self.mlp_k.module[name](pool(fk, attn)), dim=1)
            queue = self.queues[name]
            losses[f'loss_nce_{name}'] = self.loss_nce(q.float(), k.float(),
                                                       queue.queue.clone().detach())
            queue.enqueue(k)
        return losses

    def _task_loss(self, feats: Sequence[torch.Tensor], data_samples: List) -> Dict:
        model = self.model
        x = model.neck(feats) if getattr(model, 'with_neck', False) else feats
        if self.task == 'cls':
            return model.head.loss(x, data_samples)
        return segmentor_train_losses(model, x, data_samples)

    def predict(self, inputs: torch.Tensor, data_samples: Optional[List] = None) -> List:
        """The task model's predictions; classifiers with ``test_cfg`` get flip-averaged
        softmax/sigmoid scores as ``pred_score`` (and their argmax as ``pred_label``)."""
        if not self.test_cfg:
            return self.model.predict(inputs, data_samples)
        from mmpretrain.structures import DataSample
        act = torch.sigmoid if self.test_cfg.get('score', 'softmax') == 'sigmoid' \
            else (lambda t: F.softmax(t, dim=1))
        scores = act(self._logits(inputs))
        if self.test_cfg.get('flip', False):
            scores = (scores + act(self._logits(inputs.flip(-1)))) / 2
        if data_samples is None:
            data_samples = [DataSample() for _ in range(inputs.shape[0])]
        for sample, score in zip(data_samples, scores.detach()):
            sample.set_pred_score(score).set_pred_label(score.argmax(keepdim=True))
        return data_samples

    def _logits(self, inputs: torch.Tensor) -> torch.Tensor:
        """(N, C, H, W) -> (N, num_classes) classifier logits."""
        return self.model.head(self.model.extract_feat(inputs))
