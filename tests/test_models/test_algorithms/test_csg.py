# Copyright (c) synthssl contributors.
"""CSG as a wrapper: frozen teacher = initial student, EMA of the key MLP only, frozen BN,
losses and queue filling for a classifier and a segmentor; flip-averaged sigmoid scoring."""
import pytest
import torch
from torch.nn.modules.batchnorm import _BatchNorm

from csg_helpers import build_csg, cls_batch, seg_batch, sgd
from helpers import assert_finite_metrics


def _state(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def test_teacher_is_copy_of_initialised_student():
    model = build_csg('cls', model=dict(
        __import__('csg_helpers').TINY_CLS,
        backbone=dict(type='mmpretrain.ResNet', depth=18, base_channels=8, out_indices=(2, 3),
                      init_cfg=dict(type='Constant', layer='Conv2d', val=0.01))))
    conv = model.teacher.conv1.weight
    assert torch.all(conv == 0.01)  # copied after init_weights, not the construction weights
    for k, v in model.model.backbone.state_dict().items():
        assert torch.equal(v, model.teacher.state_dict()[k]), k
    assert not any(p.requires_grad for p in model.teacher.parameters())
    assert not any(p.requires_grad for p in model.mlp_k.parameters())
    for a, b in zip(model.mlp_q.parameters(), model.mlp_k.module.parameters()):
        assert torch.equal(a, b)
    assert [m[0].in_features for m in model.mlp_q.values()] == [32, 64]
    assert [m[2].out_features for m in model.mlp_q.values()] == [128, 128]


def test_ema_updates_key_mlp_only_and_teacher_stays_bit_identical():
    model = build_csg('cls', momentum=0.9).train()
    assert not model.teacher.training
    optim = sgd(model)
    teacher0, student0 = _state(model.teacher), _state(model.model.backbone)
    model.train_step(cls_batch(seed=1), optim)
    q1, k1 = _state(model.mlp_q), _state(model.mlp_k.module)
    assert all(torch.equal(q1[n], k1[n]) is False for n in q1 if n.endswith('weight'))
    log = model.train_step(cls_batch(seed=2), optim)
    k2 = _state(model.mlp_k.module)
    for n in k2:  # EMA before the keys: k2 = m k1 + (1 - m) q1 (q1: before this step's update)
        assert torch.allclose(k2[n], 0.9 * k1[n] + 0.1 * q1[n], atol=1e-7), n
    for k, v in _state(model.teacher).items():
        assert torch.equal(v, teacher0[k]), k  # bit-identical after two steps
    moved = [k for k, v in _state(model.model.backbone).items()
             if v.is_floating_point() and not torch.equal(v, student0[k])]
    assert any('conv' in k for k in moved)
    assert_finite_metrics(log, keys=['loss', 'loss_nce_stage3', 'loss_nce_stage4'])
    # two steps of 2 keys per stage, in the (gathered) queue
    assert int(model.queues.stage3.ptr) == 4 and int(model.queues.stage4.num_enqueued) == 4


@pytest.mark.parametrize('freeze_bn', [True, False])
def test_frozen_bn_statistics_and_head_in_train_mode(freeze_bn):
    model = build_csg('seg', freeze_bn=freeze_bn).train()
    bb_bns = [m for m in model.model.backbone.modules() if isinstance(m, _BatchNorm)]
    head_bns = [m for m in model.model.decode_head.modules() if isinstance(m, _BatchNorm)]
    assert all(m.training != freeze_bn for m in bb_bns) and all(m.training for m in head_bns)
    bb0 = [m.running_mean.clone() for m in bb_bns]
    head0 = [m.running_mean.clone() for m in head_bns]
    log = model.train_step(seg_batch(), sgd(model))
    bb_same = all(torch.equal(m.running_mean, r) for m, r in zip(bb_bns, bb0))
    assert bb_same == freeze_bn
    assert not any(torch.equal(m.running_mean, r) for m, r in zip(head_bns, head0))
    assert_finite_metrics(log, keys=['decode.loss_ce', 'loss_nce_stage3', 'loss_nce_stage4'])
    # 2 images x 4x4 chunks of the 4x4 stage maps = 32 contrastive samples per stage
    assert int(model.queues.stage4.num_enqueued) == 32
    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(dict(inputs=[v[0] for v in seg_batch()['inputs']],
                                            data_samples=seg_batch()['data_samples']))
        out = model(**data, mode='predict')
    assert out[0].pred_sem_seg.data.shape == (1, 32, 32)


def test_gap_option_and_loss_weight():
    torch.manual_seed(0)
    batch = cls_batch(seed=3)
    losses = {}
    for pool, lam in (('gap', 1.0), ('gap', 3.0), ('apool', 1.0)):
        model = build_csg('cls', pool=pool, loss_nce=dict(
            type='synthssl.InfoNCELoss', temperature=0.07, loss_weight=lam))
        data = model.data_preprocessor(batch, True)
        # stage 3 (2x2 maps at 32 px; stage 4 is 1x1, where A-pool = GAP)
        losses[(pool, lam)] = model(**data, mode='loss')['loss_nce_stage3'].item()
    assert losses[('gap', 3.0)] == pytest.approx(3 * losses[('gap', 1.0)], rel=1e-5)
    assert losses[('apool', 1.0)] != pytest.approx(losses[('gap', 1.0)], rel=1e-4)


def test_errors():
    import csg_helpers
    bad = dict(csg_helpers.TINY_CLS, backbone=dict(type='mmpretrain.ResNet', depth=18,
                                                    base_channels=8, out_indices=(3, )))
    with pytest.raises(ValueError, match=r'stages \[3\]'):
        build_csg('cls', model=bad)
    with pytest.raises(ValueError, match='pool'):
        build_csg('cls', pool='max')
    model = build_csg('cls')
    with pytest.raises(ValueError, match=r'\[query, key\]'):
        model(torch.zeros(2, 3, 32, 32), cls_batch()['data_samples'], mode='loss')


def test_flip_sigmoid_scoring_and_softmax_default():
    model = build_csg('cls', test_cfg=dict(flip=True, score='sigmoid')).eval()
    data = model.data_preprocessor(dict(inputs=cls_batch()['inputs'][0],
                                        data_samples=cls_batch()['data_samples']))
    x = data['inputs']
    with torch.no_grad():
        out = model(x, data['data_samples'], mode='predict')
        logits = model.model.head(model.model.extract_feat(x))
        logits_f = model.model.head(model.model.extract_feat(x.flip(-1)))
    expected = (torch.sigmoid(logits) + torch.sigmoid(logits_f)) / 2
    assert not torch.allclose(torch.sigmoid(logits), expected)  # the flip matters
    for i, sample in enumerate(out):
        assert torch.allclose(sample.pred_score, expected[i])
        assert int(sample.pred_label) == int(expected[i].argmax())
    plain = build_csg('cls').eval()  # no test_cfg: the classifier's own predict (softmax)
    with torch.no_grad():
        out = plain(x, None, mode='predict')
        ref = plain.model.predict(x)
    assert torch.allclose(out[0].pred_score, ref[0].pred_score)
    assert torch.allclose(out[0].pred_score.sum(), torch.tensor(1.))
    with pytest.raises(ValueError, match='classifiers'):
        build_csg('seg', test_cfg=dict(flip=True))
