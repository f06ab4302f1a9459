# Copyright (c) synthssl contributors.
"""ATDTTransfer: frozen N1/N2 (G-only training), predictions, the transfer-level and
non-shared-N1 variants, checkpoint errors, odd-sized test images."""
import pytest
import torch
from mmengine.optim import OptimWrapper

from atdt_helpers import NET_DP, depth_net, sem_batch, semantic_net
from helpers import assert_finite_metrics
from synthssl.models.utils.mmseg_adapter import resnet_encode
from synthssl.registry import MODELS

pytestmark = pytest.mark.usefixtures('mmseg_scope')


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
        log = model.train_step(sem_batch(seed=i), optim)
        assert set(log) == {'loss', 'loss_transfer'}
        assert_finite_metrics(log)
    now = {f'src.{k}': v for k, v in model.source_encoder.state_dict().items()}
    now.update({f'tgt.{k}': v for k, v in model.target.state_dict().items()})
    for k, v in frozen.items():
        assert torch.equal(v, now[k]), f'{k} changed'  # incl. BN running stats/num_batches
    assert any(not torch.equal(v, model.transfer.state_dict()[k]) for k, v in g0.items())
    # the loss is G(E1(x))'s MSE to N2's own backbone features at the transfer level
    batch = model.data_preprocessor(sem_batch(seed=5), True)
    with torch.no_grad():
        e1 = resnet_encode(model.source_encoder, batch['inputs'], model.transfer_level)
        e2 = resnet_encode(model.target.backbone, batch['inputs'], model.transfer_level)
        expected = torch.nn.functional.mse_loss(model.transfer(e1), e2)
        assert model.loss(**batch)['loss_transfer'] == pytest.approx(float(expected))


def test_predict_returns_mmseg_predictions(tmp_path):
    model, _, _ = _atdt(tmp_path)
    model.eval()
    with torch.no_grad():
        out = model.test_step(sem_batch())
    assert out[0].pred_sem_seg.data.shape == (1, 64, 64)
    assert out[0].seg_logits.data.shape == (5, 64, 64)
    # Sem.->Dep.: depth comes out in metres, clamped to (0, max_depth]
    sem2dep, _, _ = _atdt(tmp_path, source=semantic_net(), target=depth_net(),
                          source_checkpoint=str(tmp_path / 'n2.pth'),
                          target_checkpoint=str(tmp_path / 'n1.pth'))
    sem2dep.eval()
    with torch.no_grad():
        d = sem2dep.test_step(sem_batch())[0].pred_depth_map.data
    assert d.shape == (1, 64, 64) and d.min() >= 1e-3 and d.max() <= 10.


def test_transfer_level_and_separate_n1(tmp_path):
    lvl, _, _ = _atdt(tmp_path, transfer_level=1,
                      transfer=dict(type='FeatureTransferNetwork', in_channels=8,
                                    out_channels=8, channels=8))
    batch = lvl.data_preprocessor(sem_batch(), True)
    assert lvl.loss(**batch)['loss_transfer'].ndim == 0
    lvl.eval()
    assert lvl.test_step(sem_batch())[0].pred_sem_seg.data.shape == (1, 64, 64)
    # non-shared N1 (§6.2): G trained on N1^A's features, applied to N1^B's on B
    other = tmp_path / 'n1_b.pth'
    _save_net(depth_net(), other, 7)
    shared, _, _ = _atdt(tmp_path)
    sep, _, _ = _atdt(tmp_path, test_source_checkpoint=str(other))
    sep.transfer.load_state_dict(shared.transfer.state_dict())
    shared.eval(), sep.eval()
    with torch.no_grad():
        a = shared.test_step(sem_batch())[0].seg_logits.data
        b = sep.test_step(sem_batch())[0].seg_logits.data
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
    batch = untrained.data_preprocessor(sem_batch(), True)
    with pytest.raises(RuntimeError, match='source_checkpoint'):
        untrained.loss(**batch)


def test_odd_sized_test_images_are_padded_to_64_and_cropped_back(tmp_path):
    """KITTI-like frames (here 56x88): the preprocessor pads to a multiple of 64, predictions
    are the padded forward pass cropped to the original pixels; also through G."""
    from mmseg.structures import SegDataSample
    dp = dict(NET_DP, test_cfg=dict(size_divisor=64))
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
        x[..., :56, :88] = img.float() / 255  # NET_DP: [0, 1], zero padding
        metas = [dict(img_shape=(64, 128), pad_shape=(64, 128))]
        full = net.decode_head.predict(net.extract_feat(x), metas, net.test_cfg)
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
        val = sep.val_step(sem_batch())[0].seg_logits.data
        test = sep.test_step(sem_batch())[0].seg_logits.data
        ref = shared.test_step(sem_batch())[0].seg_logits.data
    assert torch.equal(val, ref) and not torch.allclose(test, ref)
    with pytest.raises(ValueError, match='test_source_checkpoint'):
        _atdt(tmp_path, separate_test_source=True)
