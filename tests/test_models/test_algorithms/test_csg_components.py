# Copyright (c) synthssl contributors.
"""CSG's pieces against hand computations: queue, A-pool, chunking, InfoNCE, the warm-up +
poly schedule, flip-averaged sigmoid scoring, mean per-class accuracy, the key view."""
import math

import numpy as np
import pytest
import torch

from synthssl.models.utils import (ContrastiveQueue, attention_pool, chunk_feature,
                                   global_avg_pool)


def test_queue_wraps_around_with_exact_contents():
    q = ContrastiveQueue(length=5, dim=2)
    init = q.queue.clone()
    assert torch.allclose(init.norm(dim=1), torch.ones(5))  # random unit keys
    b = [torch.arange(6, dtype=torch.float).view(3, 2) + 10 * i for i in range(3)]
    q.enqueue(b[0])
    assert int(q.ptr) == 3
    assert torch.equal(q.queue[:3], b[0]) and torch.equal(q.queue[3:], init[3:])
    q.enqueue(b[1])  # rows 3, 4, then wraps to row 0
    assert int(q.ptr) == 1
    assert torch.equal(q.queue[3:5], b[1][:2]) and torch.equal(q.queue[0], b[1][2])
    assert torch.equal(q.queue[1:3], b[0][1:])
    q.enqueue(b[2])
    assert int(q.ptr) == 4 and int(q.num_enqueued) == 9
    assert torch.equal(q.queue[1:4], b[2])
    assert torch.equal(q.queue[0], b[1][2]) and torch.equal(q.queue[4], b[1][1])


def test_queue_keeps_newest_when_batch_exceeds_length():
    q = ContrastiveQueue(length=5, dim=1)
    q.enqueue(torch.zeros(2, 1))  # ptr 2
    keys = torch.arange(7, dtype=torch.float).view(7, 1)
    q.enqueue(keys)  # as if written one by one from row 2: keys 2..6 survive, 6 at row 3
    assert int(q.ptr) == 4  # the next write replaces the oldest survivor (key 2, row 4)
    assert q.queue.flatten().tolist() == [3., 4., 5., 6., 2.]
    with pytest.raises(ValueError, match=r'expected \(n, 1\)'):
        q.enqueue(torch.zeros(3, 2))


def test_attention_pool_hand_computed_2x2():
    f = torch.tensor([[[1., 0.], [0., 1.]], [[2., 2.], [0., 0.]]])[None]  # (1, 2, 2, 2)
    # GAP = (0.5, 1); a = 0.5 f0 + f1 = [[2.5, 2], [0, 0.5]] / 5
    assert torch.allclose(attention_pool(f), torch.tensor([[0.6, 1.8]]))
    teacher = torch.tensor([[1., 2.], [3., 4.]]).expand(1, 2, 2, 2)
    # attention from f applied to other features: 1*.5 + 2*.4 + 3*0 + 4*.1 = 1.7
    assert torch.allclose(attention_pool(teacher, f), torch.tensor([[1.7, 1.7]]))
    assert torch.allclose(global_avg_pool(teacher), torch.tensor([[2.5, 2.5]]))
    zero = torch.zeros(1, 2, 2, 2)  # no attention at all -> uniform weights (GAP)
    assert torch.allclose(attention_pool(teacher, zero), torch.tensor([[2.5, 2.5]]))
    with pytest.raises(ValueError, match='negative'):
        attention_pool(f - 1)
    with pytest.raises(ValueError, match='same shape'):
        attention_pool(f, f[..., :1])


def test_chunk_feature_order_and_errors():
    x = torch.arange(2 * 16, dtype=torch.float).view(2, 1, 4, 4)
    tiles = chunk_feature(x, 2)
    assert tiles.shape == (8, 1, 2, 2)
    for i in range(2):
        for j in range(2):
            for n in range(2):  # sample (i * c + j) * N + n = tile (i, j) of image n
                assert torch.equal(tiles[(i * 2 + j) * 2 + n, 0],
                                   x[n, 0, 2 * i:2 * i + 2, 2 * j:2 * j + 2])
    assert chunk_feature(x, 1) is x
    with pytest.raises(ValueError, match='3x3 equal tiles'):
        chunk_feature(x, 3)


def test_info_nce_hand_computed():
    from synthssl.models.losses import InfoNCELoss
    q = torch.tensor([[1., 0.]])
    k = torch.tensor([[0.6, 0.8]])
    negatives = torch.tensor([[0., 1.], [-1., 0.]])
    # logits [0.6, 0, -1] / 0.5 = [1.2, 0, -2]
    expected = -math.log(math.exp(1.2) / (math.exp(1.2) + 1 + math.exp(-2)))
    loss = InfoNCELoss(temperature=0.5, loss_weight=2.0)(q, k, negatives)
    assert loss.item() == pytest.approx(2 * expected, rel=1e-6)
    with pytest.raises(ValueError):
        InfoNCELoss()(q, k, torch.zeros(3, 5))


def test_warmup_poly_matches_authors_lr_poly():
    from mmengine.optim.scheduler import PolyLR

    from synthssl.engine.schedulers import QuadraticWarmupLR
    base, max_iters = 1e-3, 400
    w = torch.nn.Parameter(torch.zeros(1))
    b = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([dict(params=[w], lr=base * 0.1), dict(params=[b], lr=base)],
                          lr=base, momentum=0.9)
    scheds = [QuadraticWarmupLR(opt, start_factor=0.01, begin=0, end=101, by_epoch=False),
              # mmengine's poly reaches 0 at end - 1: end = max + 1 gives (1 - it/max)^0.9
              PolyLR(opt, power=0.9, eta_min=0., begin=0, end=max_iters + 1, by_epoch=False)]

    def authors(it, lr):  # utils/utils.py lr_poly with its warm-up
        return min(0.01 + 0.99 * (float(it) / 100)**2, 1.0) * lr * (1 - float(it) / max_iters)**0.9

    checked = 0
    for it in range(max_iters):
        if it in (0, 1, 2, 50, 99, 100, 101, 250, 399):
            for group, lr in zip(opt.param_groups, (base * 0.1, base)):
                assert group['lr'] == pytest.approx(authors(it, lr), rel=1e-9, abs=1e-15)
            checked += 1
        opt.step()
        for s in scheds:
            s.step()
    assert checked == 9
    with pytest.raises(ValueError, match='finite'):
        QuadraticWarmupLR(opt, begin=0, by_epoch=False)


def test_flip_sigmoid_scoring_and_softmax_default():
    from csg_helpers import build_csg, cls_batch
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


def test_macro_recall_is_mean_per_class_accuracy():
    from mmpretrain.evaluation import SingleLabelMetric
    from mmpretrain.structures import DataSample
    labels = [0, 0, 0, 1, 1, 2]
    preds = [0, 0, 1, 1, 2, 2]  # per-class accuracy 2/3, 1/2, 1/1 -> mean 0.7222
    metric = SingleLabelMetric(items=('recall', ), average='macro')
    samples = []
    for y, p in zip(labels, preds):
        score = torch.full((3, ), 0.1)
        score[p] = 0.9  # un-normalised, like the averaged sigmoid scores
        samples.append(DataSample().set_gt_label(y).set_pred_score(score).to_dict())
    metric.process(None, samples)
    result = metric.evaluate(len(samples))
    assert result['single-label/recall'] == pytest.approx(100 * (2 / 3 + 1 / 2 + 1) / 3)


def test_key_view_and_packing():
    import synthssl  # noqa: F401
    from mmengine.dataset import pseudo_collate
    from synthssl.registry import TRANSFORMS
    jitter = [dict(type='mmpretrain.NumpyToPIL', to_rgb=True),
              dict(type='mmpretrain.torchvision/ColorJitter', brightness=0.4, contrast=0.4,
                   saturation=0.4, hue=0.4),
              dict(type='mmpretrain.PILToNumpy', to_bgr=True)]
    add = TRANSFORMS.build(dict(type='synthssl.AddKeyView', transforms=jitter))
    pack = TRANSFORMS.build(dict(type='synthssl.PackCSGSegInputs'))
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (16, 20, 3), dtype=np.uint8)
    torch.manual_seed(0)
    results = add(dict(img=img.copy(), img_shape=(16, 20), ori_shape=(16, 20),
                       gt_seg_map=np.zeros((16, 20), np.uint8), seg_fields=['gt_seg_map']))
    assert results['img_k'].shape == img.shape and results['img_k'].dtype == np.uint8
    assert np.array_equal(results['img'], img) and not np.array_equal(results['img_k'], img)
    packed = pack(results)
    q, k = packed['inputs']
    assert q.shape == k.shape == (3, 16, 20)
    assert torch.equal(q, torch.from_numpy(img).permute(2, 0, 1))
    assert packed['data_samples'].gt_sem_seg.data.shape == (1, 16, 20)
    with pytest.raises(ValueError, match='only photometric'):
        TRANSFORMS.build(dict(type='synthssl.AddKeyView', transforms=[
            dict(type='mmseg.RandomCrop', crop_size=(8, 8))]))(dict(img=img.copy()))
    with pytest.raises(KeyError, match='AddKeyView'):
        pack(dict(img=img))
    # Two collated samples go through the segmentor's preprocessor view by view.
    from csg_helpers import build_csg
    model = build_csg('seg')
    batch = pseudo_collate([pack(add(dict(results))) for _ in range(2)])
    data = model.data_preprocessor(batch, True)
    assert [tuple(v.shape) for v in data['inputs']] == [(2, 3, 32, 32)] * 2  # padded to size
    mean = torch.tensor([120., 110., 100.]).view(3, 1, 1)
    expected_q = (torch.from_numpy(img[..., ::-1].copy()).permute(2, 0, 1).float() - mean) / 60
    assert torch.allclose(data['inputs'][0][0, :, :16, :20], expected_q)
