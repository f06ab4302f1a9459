# Copyright (c) synthssl contributors.
"""``synthssl.Shared2FCDropoutBBoxHead``: mmdet's Shared2FCBBoxHead + CaffeNet's dropout."""
import pytest
import torch
from mmdet.models.roi_heads.bbox_heads import Shared2FCBBoxHead
from mmengine.registry import DefaultScope

from synthssl.models.roi.dropout_bbox_head import Shared2FCDropoutBBoxHead

KW = dict(in_channels=8, roi_feat_size=3, fc_out_channels=32, num_classes=4)


def build(**kw):
    from mmdet.registry import MODELS
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmdet'):
        return MODELS.build(dict(type='synthssl.Shared2FCDropoutBBoxHead', **KW, **kw))


def mmdet_head():
    """mmdet's own head; its __init__ builds the bbox coder from the default scope's
    TASK_UTILS, so it is made under mmdet's scope whatever an earlier test left."""
    with DefaultScope.overwrite_default_scope('mmdet'):
        return Shared2FCBBoxHead(**KW)


def test_registered_with_mmdets_keys():
    head = build()
    assert type(head) is Shared2FCDropoutBBoxHead and head.shared_drop.p == 0.5
    ref = mmdet_head()
    assert {k: v.shape for k, v in head.state_dict().items()} == \
        {k: v.shape for k, v in ref.state_dict().items()}
    assert {'shared_fcs.0.weight', 'shared_fcs.1.bias'} <= set(head.state_dict())
    head.load_state_dict(ref.state_dict())  # strict: an mmdet head's weights load
    assert build(dropout=0.2).shared_drop.p == 0.2
    with pytest.raises(ValueError, match='dropout'):
        build(dropout=1.0)


def test_dropout_in_train_only():
    head = build()
    ref = mmdet_head()
    ref.load_state_dict(head.state_dict())
    x = torch.rand(64, 8, 3, 3)
    head.eval(), ref.eval()
    with torch.no_grad():
        for a, b in zip(head(x), ref(x)):  # eval: exactly mmdet's head
            torch.testing.assert_close(a, b, rtol=0, atol=0)
    # train: fc7's output (what fc_cls sees) has about half of its active units dropped,
    # and the survivors scaled by 2
    head.train()
    seen = {}
    head.fc_cls.register_forward_hook(lambda m, i, o: seen.__setitem__('fc7', i[0]))
    with torch.no_grad():
        torch.manual_seed(1)
        cls_train, _ = head(x)
        ref_fc7 = x.flatten(1)
        for fc in ref.shared_fcs:
            ref_fc7 = ref.relu(fc(ref_fc7))
    fc7 = seen['fc7']
    active = ref_fc7 > 0
    kept = fc7[active] != 0
    assert 0.35 < kept.float().mean() < 0.65
    assert not torch.allclose(cls_train, ref(x)[0])
    # the first dropout acts too: the kept fc7 units differ from 2 x mmdet's fc7
    assert not torch.allclose(fc7[active][kept], 2 * ref_fc7[active][kept])
    head.eval()
    torch.testing.assert_close(head(x)[0], ref(x)[0], rtol=0, atol=0)
