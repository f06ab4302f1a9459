# Copyright (c) synthssl contributors.
"""AT/DT parts: masked L1, the decoder head, G_{1->2}, ATDTTransfer (frozen N1/N2), and the
depth metric on mmseg samples."""
import math

import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData

from helpers import assert_finite_metrics
from synthssl.registry import MODELS


@pytest.fixture(autouse=True)
def _mmseg_scope():
    import mmseg.models  # noqa: F401  (registers EncoderDecoder, DepthEstimator, ...)
    init_default_scope('synthssl')


DP = dict(type='mmseg.SegDataPreProcessor', mean=[0., 0., 0.], std=[255., 255., 255.],
          size=(64, 64))


def _backbone(**kw):
    bb = dict(type='mmseg.ResNet', depth=18, base_channels=4, stem_channels=4,
              strides=(2, 2, 1, 1), dilations=(1, 1, 2, 4), out_indices=(3, ))
    bb.update(kw)
    return bb


def semantic_net(num_classes=5):
    return dict(type='mmseg.EncoderDecoder', data_preprocessor=DP, backbone=_backbone(),
                decode_head=dict(type='synthssl.ATDTDecoderHead', in_channels=32,
                                 channels=(8, 8, 8), num_classes=num_classes,
                                 loss_decode=dict(type='mmseg.CrossEntropyLoss',
                                                  avg_non_ignore=True)),
                test_cfg=dict(mode='whole'))


def depth_net(max_depth=10.):
    return dict(type='mmseg.DepthEstimator', data_preprocessor=DP, backbone=_backbone(),
                decode_head=dict(type='synthssl.ATDTDecoderHead', in_channels=32,
                                 channels=(8, 8, 8), task='depth', num_classes=1,
                                 max_depth=max_depth),
                test_cfg=dict(mode='whole'))


# ----------------------------------------------------------------------------- loss
def test_masked_l1_hand_computed():
    loss = MODELS.build(dict(type='MaskedL1DepthLoss', max_depth=10.))
    pred = torch.tensor([0.1, 0.5, 0.9, 0.3, 0.7, 0.2]).view(1, 1, 2, 3)
    gt = torch.tensor([2.0, 0.0, 12.0, 3.0, 10.0, float('nan')]).view(1, 1, 2, 3)
    # valid: 2 m (|0.1-0.2|), 3 m (|0.3-0.3|), 10 m (|0.7-1.0|); 0, >max and NaN masked
    expected = (0.1 + 0.0 + 0.3) / 3
    assert loss(pred, gt).item() == pytest.approx(expected, abs=1e-6)
    assert loss(pred, gt.squeeze(1)).item() == pytest.approx(expected, abs=1e-6)
    none_valid = loss(pred.requires_grad_(), torch.zeros_like(gt))
    assert none_valid.item() == 0
    none_valid.backward()
    with pytest.raises(ValueError, match='differ in shape'):
        loss(pred, gt[..., :2])


# ----------------------------------------------------------------------------- decoder
@pytest.mark.parametrize('hw', [(64, 64), (48, 80)])
def test_decoder_output_has_input_resolution(hw):
    head = MODELS.build(dict(type='ATDTDecoderHead', in_channels=32, channels=(8, 8, 8),
                             num_classes=5))
    net = MODELS.build(semantic_net())
    x = torch.rand(2, 3, *hw)
    feat = net.backbone(x)
    assert feat[0].shape[-2:] == (hw[0] // 16, hw[1] // 16)  # output stride 16
    assert head(feat).shape == (2, 5, *hw)
    # authors' layout: 4 nearest x2 upconvs, ELU, BN except the last two upconvs
    assert isinstance(head.up1.conv.activate, torch.nn.ELU)
    assert head.up1.conv.with_norm and head.conv3.with_norm
    assert not head.up3.conv.with_norm and not head.up4.conv.with_norm
    assert head.conv_seg.kernel_size == (3, 3)


def test_depth_head_loss_and_metres():
    net = MODELS.build(depth_net(max_depth=10.))
    head = net.decode_head
    logits = torch.tensor([[-0.5, 0.25], [0.5, 2.0]]).view(1, 1, 2, 2)
    depth = head.predict_by_feat(logits, [dict(img_shape=(2, 2), pad_shape=(2, 2))])
    # depth/max_depth * 10, clamped to [1e-3, 10]
    assert depth.flatten().tolist() == pytest.approx([1e-3, 2.5, 5.0, 10.0])
    from mmseg.structures import SegDataSample
    s = SegDataSample()
    s.gt_depth_map = PixelData(data=torch.tensor([[[1.0, 0.0], [5.0, 20.0]]]))
    losses = head.loss_by_feat(logits, [s])
    # valid: 1 m (|-0.5 - 0.1|), 5 m (|0.5 - 0.5|)
    assert losses['loss_depth'].item() == pytest.approx(0.6 / 2, abs=1e-6)
    with pytest.raises(ValueError, match='max_depth'):
        MODELS.build(dict(type='ATDTDecoderHead', in_channels=8, task='depth', num_classes=1,
                          max_depth=10., loss_decode=dict(type='MaskedL1DepthLoss',
                                                          max_depth=100.)))


# ----------------------------------------------------------------------------- G
def test_transfer_network_layout_and_shapes():
    g = MODELS.build(dict(type='FeatureTransferNetwork', in_channels=6, out_channels=10,
                          channels=16))
    for hw in [(8, 8), (5, 7), (1, 1)]:
        assert g(torch.rand(2, 6, *hw)).shape == (2, 10, *hw)
    convs = [m for m in g.modules() if isinstance(m, torch.nn.Conv2d)]
    assert len(convs) == 6 and [c.stride[0] for c in convs] == [2, 2, 1, 1, 1, 1]
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in g.modules())
    assert sum(isinstance(m, torch.nn.ELU) for m in g.modules()) == 6  # last one included
    # the released size, built with the defaults on the meta device (no memory): six
    # 3x3 2048 -> 2048 convs with biases, ~226 M parameters
    with torch.device('meta'):
        released = MODELS.build(dict(type='FeatureTransferNetwork'))
    shapes = [tuple(c.weight.shape) for c in released.modules()
              if isinstance(c, torch.nn.Conv2d)]
    assert shapes == [(2048, 2048, 3, 3)] * 6
    n = sum(p.numel() for p in released.parameters())
    assert n == 6 * (9 * 2048 * 2048 + 2048)
    assert math.isclose(n / 1e6, 226.5, abs_tol=0.5)
    g_bn = MODELS.build(dict(type='FeatureTransferNetwork', in_channels=6, out_channels=6,
                             channels=8, norm_cfg=dict(type='BN'), last_act=False))
    assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in g_bn.modules()) == 5
    assert g_bn(torch.rand(2, 6, 4, 4)).min() < 0  # linear output without the last ELU


# ----------------------------------------------------------------------------- ATDT
def _save_net(cfg, path, seed):
    torch.manual_seed(seed)
    net = MODELS.build(cfg)
    net.init_weights()
    # non-trivial BN statistics, so "unchanged" is a real check
    net.train()
    with torch.no_grad():
        net.extract_feat(torch.rand(4, 3, 64, 64) * 255)
    torch.save(dict(state_dict=net.state_dict(), meta={}), path)
    return net


def _atdt(tmp_path, **kw):
    src = tmp_path / 'n1.pth'
    tgt = tmp_path / 'n2.pth'
    if not src.exists():
        _save_net(depth_net(), src, 0)
        _save_net(semantic_net(), tgt, 1)
    cfg = dict(type='ATDTTransfer', source=depth_net(), target=semantic_net(),
               transfer=dict(type='FeatureTransferNetwork', in_channels=32, out_channels=32,
                             channels=8),
               source_checkpoint=str(src), target_checkpoint=str(tgt))
    cfg.update(kw)
    model = MODELS.build(cfg)
    model.init_weights()
    return model, src, tgt


def _batch(n=2, hw=64, seed=0):
    from mmseg.structures import SegDataSample
    g = torch.Generator().manual_seed(seed)
    samples = []
    for _ in range(n):
        s = SegDataSample(metainfo=dict(img_shape=(hw, hw), ori_shape=(hw, hw),
                                        pad_shape=(hw, hw)))
        s.gt_sem_seg = PixelData(data=torch.randint(0, 5, (1, hw, hw), generator=g))
        samples.append(s)
    return dict(inputs=[(torch.rand(3, hw, hw, generator=g) * 255).byte() for _ in range(n)],
                data_samples=samples)


def test_training_g_only_updates_g(tmp_path):
    model, src, tgt = _atdt(tmp_path)
    sd_src = torch.load(src, weights_only=False)['state_dict']
    sd_tgt = torch.load(tgt, weights_only=False)['state_dict']
    for k, v in model.source_encoder.state_dict().items():
        assert torch.equal(v, sd_src['backbone.' + k]), k
    for k, v in model.target.state_dict().items():
        if k.startswith(('backbone.', 'decode_head.')):
            assert torch.equal(v, sd_tgt[k]), k
    model.train()  # what the runner does: must not put E1/N2's BN in train mode
    assert not model.source_encoder.training and not model.target.training
    assert model.transfer.training
    frozen = {f'src.{k}': v.clone() for k, v in model.source_encoder.state_dict().items()}
    frozen.update({f'tgt.{k}': v.clone() for k, v in model.target.state_dict().items()})
    g0 = {k: v.clone() for k, v in model.transfer.state_dict().items()}
    assert all(not p.requires_grad for n, p in model.named_parameters()
               if not n.startswith('transfer.'))
    optim = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-3))
    for i in range(2):
        log = model.train_step(_batch(seed=i), optim)
        assert set(log) == {'loss', 'loss_transfer'}
        assert_finite_metrics(log)
    now = {f'src.{k}': v for k, v in model.source_encoder.state_dict().items()}
    now.update({f'tgt.{k}': v for k, v in model.target.state_dict().items()})
    for k, v in frozen.items():
        assert torch.equal(v, now[k]), f'{k} changed'  # incl. BN running stats/num_batches
    assert any(not torch.equal(v, model.transfer.state_dict()[k]) for k, v in g0.items())


def test_predict_returns_mmseg_predictions(tmp_path):
    model, _, _ = _atdt(tmp_path)
    model.eval()
    with torch.no_grad():
        out = model.test_step(_batch())
    assert out[0].pred_sem_seg.data.shape == (1, 64, 64)
    assert out[0].seg_logits.data.shape == (5, 64, 64)
    # Sem.->Dep.: depth comes out in metres, clamped to (0, max_depth]
    sem2dep, _, _ = _atdt(tmp_path, source=semantic_net(), target=depth_net(),
                          source_checkpoint=str(tmp_path / 'n2.pth'),
                          target_checkpoint=str(tmp_path / 'n1.pth'))
    sem2dep.eval()
    with torch.no_grad():
        d = sem2dep.test_step(_batch())[0].pred_depth_map.data
    assert d.shape == (1, 64, 64) and d.min() >= 1e-3 and d.max() <= 10.


def test_transfer_level_and_separate_n1(tmp_path):
    lvl, _, _ = _atdt(tmp_path, transfer_level=1,
                      transfer=dict(type='FeatureTransferNetwork', in_channels=8,
                                    out_channels=8, channels=8))
    batch = lvl.data_preprocessor(_batch(), True)
    assert lvl.loss(**batch)['loss_transfer'].ndim == 0
    lvl.eval()
    assert lvl.test_step(_batch())[0].pred_sem_seg.data.shape == (1, 64, 64)
    # non-shared N1 (§6.2): G trained on N1^A's features, applied to N1^B's on B
    other = tmp_path / 'n1_b.pth'
    _save_net(depth_net(), other, 7)
    shared, _, _ = _atdt(tmp_path)
    sep, _, _ = _atdt(tmp_path, test_source_checkpoint=str(other))
    sep.transfer.load_state_dict(shared.transfer.state_dict())
    shared.eval(), sep.eval()
    with torch.no_grad():
        a = shared.test_step(_batch())[0].seg_logits.data
        b = sep.test_step(_batch())[0].seg_logits.data
        sep.train()
        f_train = sep.transferred_features(batch['inputs'])
        f_shared = shared.transferred_features(batch['inputs'])
    assert not torch.allclose(a, b)
    assert torch.allclose(f_train, f_shared)  # training still uses N1^A


def test_checkpoint_errors_are_clear(tmp_path):
    model, src, tgt = _atdt(tmp_path)
    torch.save(dict(state_dict={'transfer.x': torch.zeros(1)}), tmp_path / 'bad.pth')
    with pytest.raises(KeyError, match=r"bad\.pth.*no 'backbone\.'"):
        _atdt(tmp_path, source_checkpoint=str(tmp_path / 'bad.pth'))
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        _atdt(tmp_path, target_checkpoint=str(tmp_path / 'missing.pth'))
    with pytest.raises(ValueError, match='shape mismatch'):  # 5-class N2 vs a 3-class config
        _atdt(tmp_path, target=semantic_net(num_classes=3))
    untrained = MODELS.build(dict(type='ATDTTransfer', source=depth_net(),
                                  target=semantic_net(),
                                  transfer=dict(type='FeatureTransferNetwork',
                                                in_channels=32, out_channels=32,
                                                channels=8)))
    batch = untrained.data_preprocessor(_batch(), True)
    with pytest.raises(RuntimeError, match='source_checkpoint'):
        untrained.loss(**batch)


# ----------------------------------------------------------------------------- metric
def test_depth_metric_on_mmseg_samples():
    from mmseg.structures import SegDataSample
    gts = [np.array([[1.0, 2.0], [4.0, 0.0]]), np.array([[10.0, 5.0], [30.0, 2.0]])]
    preds = [np.array([[1.5, 2.0], [2.0, 7.0]]), np.array([[12.0, 5.0], [1.0, 0.0]])]
    samples = []
    for p, g in zip(preds, gts):
        s = SegDataSample()
        s.pred_depth_map = PixelData(data=torch.tensor(p[None], dtype=torch.float32))
        s.gt_depth_map = PixelData(data=torch.tensor(g[None], dtype=torch.float32))
        samples.append(s)
    ev = Evaluator(dict(type='synthssl.DepthMetric', pred_key='pred_depth_map',
                        gt_key='gt_depth_map', max_depth=20.))
    ev.process(samples, dict(inputs=None, data_samples=samples))
    res = ev.evaluate(2)
    # image 1: valid gt 1, 2, 4 (0 invalid); preds 1.5, 2, 2
    # image 2: valid gt 10, 5, 2 (30 >= max); preds 12, 5, 0 -> clamped to 1e-3
    p1, g1 = np.array([1.5, 2.0, 2.0]), np.array([1.0, 2.0, 4.0])
    p2, g2 = np.array([12.0, 5.0, 1e-3]), np.array([10.0, 5.0, 2.0])
    abs_rel = np.mean([np.mean(np.abs(p - g) / g) for p, g in ((p1, g1), (p2, g2))])
    rmse = np.mean([np.sqrt(np.mean((p - g)**2)) for p, g in ((p1, g1), (p2, g2))])
    a1 = np.mean([np.mean(np.maximum(p / g, g / p) < 1.25) for p, g in ((p1, g1), (p2, g2))])
    assert res['depth/abs_rel'] == pytest.approx(abs_rel)
    assert res['depth/rmse'] == pytest.approx(rmse)
    assert res['depth/a1'] == pytest.approx(100 * a1)
    assert res['depth/abs_rel'] == pytest.approx(((0.5 + 0 + 0.5) / 3 + (0.2 + 0 + 0.9995) / 3) / 2)


# ----------------------------------------------------------------------------- §6 / finish
def test_identity_norm_turns_bn_off_in_resnet_and_decoder():
    """Tab. 6: norm_cfg=IdentityNorm builds mmseg's ResNet and the decoder without any BN
    (mmcv names it nonorm*), trains, and behaves the same in train and eval mode."""
    from mmcv.cnn import build_norm_layer
    from torch.nn.modules.batchnorm import _BatchNorm

    from synthssl.models.utils import IdentityNorm
    init_default_scope('mmseg')
    name, layer = build_norm_layer(dict(type='synthssl.IdentityNorm', requires_grad=True), 3,
                                   postfix=1)
    x = torch.rand(2, 3, 4, 5)
    assert name == 'nonorm1' and torch.equal(layer(x), x) and not list(layer.parameters())
    _, biased = build_norm_layer(dict(type='synthssl.IdentityNorm', bias=True), 3)
    with torch.no_grad():
        biased.bias.copy_(torch.tensor([1., -2., 0.5]))
    assert torch.equal(biased(x), x + torch.tensor([1., -2., 0.5]).view(1, 3, 1, 1))
    no_norm = dict(type='synthssl.IdentityNorm', bias=True)
    cfg = semantic_net()
    cfg['backbone'] = _backbone(norm_cfg=no_norm)
    cfg['decode_head'].update(norm_cfg=no_norm)
    init_default_scope('synthssl')
    torch.manual_seed(0)
    net = MODELS.build(cfg)
    net.init_weights()
    names = dict(net.named_modules())
    assert not any(isinstance(m, _BatchNorm) for m in net.modules())
    for n in ('backbone.nonorm1', 'backbone.layer1.0.nonorm1', 'backbone.layer4.1.nonorm2',
              'decode_head.up1.conv.nonorm', 'decode_head.conv3.nonorm'):
        assert isinstance(names[n], IdentityNorm), n
    # ConvModule drops its conv bias when norm_cfg is set; IdentityNorm's bias replaces it
    assert names['decode_head.up1.conv.conv'].bias is None
    assert names['decode_head.up1.conv.nonorm'].bias.shape == (8, )
    optim = OptimWrapper(torch.optim.Adam(net.parameters(), lr=1e-2))
    for i in range(2):
        log = net.train_step(_batch(seed=i), optim)
        assert_finite_metrics(log, keys=['loss', 'decode.loss_ce'])
    assert names['backbone.layer1.0.nonorm2'].bias.abs().sum() > 0  # trained
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        net.train()
        a = net(x, mode='tensor')
        net.eval()
        b = net(x, mode='tensor')
    assert torch.equal(a, b)  # no batch statistics anywhere


def test_per_class_iou_metric_hand_computed():
    from mmseg.structures import SegDataSample
    from synthssl.registry import METRICS
    m = METRICS.build(dict(type='PerClassIoUMetric', iou_metrics=['mIoU']))
    m.dataset_meta = dict(classes=('road', 'car', 'sky'))
    gt = torch.tensor([[0, 0, 1, 255], [0, 1, 1, 1]])
    pred = torch.tensor([[0, 1, 1, 2], [0, 0, 1, 2]])
    s = SegDataSample()
    s.gt_sem_seg = PixelData(data=gt[None])
    s.pred_sem_seg = PixelData(data=pred[None])
    m.process([], [s.to_dict()])
    res = m.compute_metrics(m.results)
    # valid pixels (gt != 255): road: gt {0,1,4}, pred {0,4,5} -> I 2, U 4; car: gt {2,5,6,7},
    # pred {1,2,6} -> I 2, U 5; sky: gt {}, pred {7} -> I 0, U 1
    assert res['IoU.road'] == 50.0 and res['IoU.car'] == 40.0 and res['IoU.sky'] == 0.0
    assert res['mIoU'] == pytest.approx((50 + 40 + 0) / 3, abs=0.01)
    assert res['aAcc'] == pytest.approx(100 * 4 / 7, abs=0.01)
    # a class in neither gt nor prediction: NaN, left out of mIoU
    m.results.clear()
    s.pred_sem_seg = PixelData(data=torch.where(pred == 2, 0, pred)[None])
    m.process([], [s.to_dict()])
    res = m.compute_metrics(m.results)
    assert math.isnan(res['IoU.sky']) and res['mIoU'] == pytest.approx(
        (res['IoU.road'] + res['IoU.car']) / 2, abs=0.01)


def test_focal_ratio_depth_metric_scales_per_image():
    from mmseg.structures import SegDataSample
    gt = np.array([[2.0, 4.0], [0.0, 8.0]])
    pred = np.array([[1.0, 2.0], [3.0, 5.0]])
    samples = []
    for focal in (700.0, 350.0):
        s = SegDataSample(metainfo=dict(focal_length=focal))
        s.pred_depth_map = PixelData(data=torch.tensor(pred[None], dtype=torch.float32))
        s.gt_depth_map = PixelData(data=torch.tensor(gt[None], dtype=torch.float32))
        samples.append(s)
    ev = Evaluator(dict(type='synthssl.FocalRatioDepthMetric', train_focal=350.,
                        pred_key='pred_depth_map', gt_key='gt_depth_map', max_depth=20.))
    ev.process(samples, dict(inputs=None, data_samples=samples))
    res = ev.evaluate(2)
    # image 1 x 700/350 = 2: preds 2, 4, 10 vs gt 2, 4, 8; image 2 x 1: 1, 2, 5 vs 2, 4, 8
    abs_rel = ((0 + 0 + 2 / 8) / 3 + (0.5 + 0.5 + 3 / 8) / 3) / 2
    assert res['depth/abs_rel'] == pytest.approx(abs_rel)
    bad = SegDataSample(metainfo=dict(img_path='x.png'))
    bad.pred_depth_map, bad.gt_depth_map = samples[0].pred_depth_map, samples[0].gt_depth_map
    with pytest.raises(KeyError, match="x.png has no positive 'focal_length'.*meta_keys"):
        ev.process([bad], dict(inputs=None, data_samples=[bad]))


def test_odd_sized_test_images_are_padded_to_64_and_cropped_back(tmp_path):
    """KITTI-like frames (here 56x88): the preprocessor pads to a multiple of 64, predictions
    are the padded forward pass cropped to the original pixels; also through G."""
    from mmseg.structures import SegDataSample
    dp = dict(DP, test_cfg=dict(size_divisor=64))
    from mmengine.config import ConfigDict
    net_cfg = depth_net()
    net_cfg.update(data_preprocessor=dp, test_cfg=ConfigDict(mode='whole'))  # as from a file
    torch.manual_seed(0)
    net = MODELS.build(net_cfg)
    net.init_weights()
    net.eval()
    img = (torch.rand(3, 56, 88) * 255).byte()

    def data():
        s = SegDataSample(metainfo=dict(img_shape=(56, 88), ori_shape=(56, 88)))
        return dict(inputs=[img], data_samples=[s])

    with torch.no_grad():
        pred = net.test_step(data())[0].pred_depth_map.data
        x = torch.zeros(1, 3, 64, 128)
        x[..., :56, :88] = img.float() / 255  # DP: [0, 1], zero padding
        full = net.decode_head.predict(net.extract_feat(x), [dict(img_shape=(64, 128),
                                                                 pad_shape=(64, 128))],
                                       net.test_cfg)
    assert pred.shape == (1, 56, 88)
    torch.testing.assert_close(pred, full[0, :, :56, :88])
    # Sem.->Dep. AT/DT on the same frame: G's /64 hourglass needs the padding
    _save_net(semantic_net(), tmp_path / 's.pth', 0)
    _save_net(net_cfg, tmp_path / 'd.pth', 1)
    model, _, _ = _atdt(tmp_path, source=semantic_net(), target=net_cfg,
                        source_checkpoint=str(tmp_path / 's.pth'),
                        target_checkpoint=str(tmp_path / 'd.pth'))
    model.eval()
    with torch.no_grad():
        d = model.test_step(data())[0].pred_depth_map.data
    assert d.shape == (1, 56, 88) and torch.isfinite(d).all()


def test_non_shared_n1_validates_on_a_with_training_encoder(tmp_path):
    """Tab. 5: validation (domain A) goes through N1^A, the test (domain B) through N1^B; the
    variant needs the N1^B checkpoint."""
    other = tmp_path / 'n1_b.pth'
    _save_net(depth_net(), other, 7)
    shared, _, _ = _atdt(tmp_path)
    sep, _, _ = _atdt(tmp_path, separate_test_source=True,
                      test_source_checkpoint=str(other))
    sep.transfer.load_state_dict(shared.transfer.state_dict())
    shared.eval(), sep.eval()
    with torch.no_grad():
        val = sep.val_step(_batch())[0].seg_logits.data
        test = sep.test_step(_batch())[0].seg_logits.data
        ref = shared.test_step(_batch())[0].seg_logits.data
    assert torch.equal(val, ref) and not torch.allclose(test, ref)
    with pytest.raises(ValueError, match='test_source_checkpoint'):
        _atdt(tmp_path, separate_test_source=True)
