# Copyright (c) synthssl contributors.
"""IdentityNorm: BN switched off in mmseg's ResNet and the AT/DT decoder (Tab. 6)."""
import pytest
import torch
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope

from atdt_helpers import sem_batch, semantic_net, tiny_backbone
from helpers import assert_finite_metrics
from synthssl.registry import MODELS

pytestmark = pytest.mark.usefixtures('mmseg_scope')


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
    cfg['backbone'] = tiny_backbone(norm_cfg=no_norm)
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
        log = net.train_step(sem_batch(seed=i), optim)
        assert_finite_metrics(log, keys=['loss', 'decode.loss_ce'])
    assert names['backbone.layer1.0.nonorm2'].bias.abs().sum() > 0  # trained
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        net.train()
        a = net(x, mode='tensor')
        net.eval()
        b = net(x, mode='tensor')
    assert torch.equal(a, b)  # no batch statistics anywhere
