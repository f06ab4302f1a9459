# Copyright (c) synthssl contributors.
"""Properties of the three algorithms' ``train_step``/``loss`` that the other algorithm
tests leave open (found by mutation testing, tools/quality/mutation_test.py): which
features CSG's A-pool uses, the unit-norm queries and keys it hands to InfoNCE, the model
wrapper path of CrossDomainMultiTask's task loss, and the errors that tell a user what to
fix. Tiny models on the CPU."""
import pytest
import torch

from csg_helpers import build_csg, cls_batch
from synthssl.models.utils import attention_pool, chunk_feature


# ------------------------------------------------------------------ CSG
def _nce_inputs(model):
    """Record the (query, key, negatives) InfoNCE gets."""
    seen = []
    model.loss_nce.register_forward_hook(lambda m, args, out: seen.append(args))
    return seen


def _count_calls(module):
    calls = []
    module.register_forward_hook(lambda m, args, out: calls.append(args[0].shape))
    return calls


def test_csg_apool_keys_use_the_students_attention_on_the_key_view(monkeypatch):
    """A-pool (§3.4 of CSG): the key is the *teacher's* features of x_k pooled with the
    attention of the *student's* features of x_k; the query is the student's features of
    x_q pooled with their own attention. Queries and keys reach InfoNCE L2-normalised."""
    import synthssl.models.algorithms.csg as csg_module
    model = build_csg('cls', pool='apool').eval()  # eval: BN with running statistics
    with torch.no_grad():  # the teacher is a copy of the student at init: make them differ
        g = torch.Generator().manual_seed(5)
        for p in model.model.backbone.parameters():
            p.add_(0.2 * torch.randn(p.shape, generator=g))
    pooled = []

    def recording_pool(features, attn_from=None):
        pooled.append((features, attn_from))
        return attention_pool(features, attn_from)

    monkeypatch.setitem(csg_module.POOLS, 'apool', recording_pool)
    nce = _nce_inputs(model)
    student_calls = _count_calls(model.model.backbone)
    data = model.data_preprocessor(cls_batch(size=64, seed=3), True)
    model(**data, mode='loss')
    img_q, img_k = data['inputs']
    assert len(student_calls) == 2  # x_q, and x_k for the attention
    with torch.no_grad():
        student_k = model.model.backbone(img_k)
        teacher_k = model.teacher(img_k)
    for i, pos in enumerate(model._positions):
        fk, attn = pooled[2 * i + 1]
        assert torch.allclose(fk, chunk_feature(teacher_k[pos], model.chunks))
        assert attn is not None
        assert torch.allclose(attn, chunk_feature(student_k[pos], model.chunks))
        assert not torch.allclose(attn, fk, atol=1e-3)  # the two really differ
    for q, k, _ in nce:
        assert torch.allclose(q.norm(dim=1), torch.ones(q.shape[0]), atol=1e-5)
        assert torch.allclose(k.norm(dim=1), torch.ones(k.shape[0]), atol=1e-5)


def test_csg_gap_runs_the_student_on_the_query_view_only():
    """GAP needs no attention: the student backbone sees x_q once per step (so with
    unfrozen BN its statistics see only the query view), the keys are the teacher's."""
    model = build_csg('cls', pool='gap', freeze_bn=False).train()
    calls = _count_calls(model.model.backbone)
    nce = _nce_inputs(model)
    data = model.data_preprocessor(cls_batch(seed=3), True)
    model(**data, mode='loss')
    assert len(calls) == 1
    for q, k, _ in nce:
        assert torch.allclose(q.norm(dim=1), torch.ones(q.shape[0]), atol=1e-5)
        assert torch.allclose(k.norm(dim=1), torch.ones(k.shape[0]), atol=1e-5)


def test_csg_single_view_message_names_the_pipelines():
    model = build_csg('cls')
    with pytest.raises(ValueError, match=(
            r'^CSG needs \[query, key\] views in training; use MultiView \(classification\) '
            r'or AddKeyView \+ PackCSGSegInputs \(segmentation\) in the train pipeline$')):
        model(torch.zeros(2, 3, 32, 32), cls_batch()['data_samples'], mode='loss')


# ------------------------------------------------------------------ ATDTTransfer
@pytest.fixture
def mmseg_scope():
    import mmseg.models  # noqa: F401  (registers EncoderDecoder, DepthEstimator, ...)
    from mmengine.registry import init_default_scope
    init_default_scope('synthssl')


def _net(task):
    """A tiny mmseg depth (N1) or semantic (N2) network, as in the AT/DT tests."""
    dp = dict(type='mmseg.SegDataPreProcessor', mean=[0., 0., 0.], std=[255., 255., 255.],
              size=(64, 64))
    backbone = dict(type='mmseg.ResNet', depth=18, base_channels=4, stem_channels=4,
                    strides=(2, 2, 1, 1), dilations=(1, 1, 2, 4), out_indices=(3, ))
    head = dict(type='synthssl.ATDTDecoderHead', in_channels=32, channels=(8, 8, 8))
    if task == 'depth':
        return dict(type='mmseg.DepthEstimator', data_preprocessor=dp, backbone=backbone,
                    decode_head=dict(head, task='depth', num_classes=1, max_depth=10.),
                    test_cfg=dict(mode='whole'))
    return dict(type='mmseg.EncoderDecoder', data_preprocessor=dp, backbone=backbone,
                decode_head=dict(head, num_classes=5,
                                 loss_decode=dict(type='mmseg.CrossEntropyLoss')),
                test_cfg=dict(mode='whole'))


def _atdt(tmp_path=None, out_channels=32):
    """ATDTTransfer N1 (depth) -> N2 (semantics); with ``tmp_path`` its N1/N2 are saved
    there and loaded by init_weights (as the Runner does)."""
    from synthssl.registry import MODELS
    cfg = dict(type='ATDTTransfer', source=_net('depth'), target=_net('semantic'),
               transfer=dict(type='FeatureTransferNetwork', in_channels=32,
                             out_channels=out_channels, channels=8))
    if tmp_path is not None:
        for key, task, seed in (('source_checkpoint', 'depth', 0),
                                ('target_checkpoint', 'semantic', 1)):
            torch.manual_seed(seed)
            net = MODELS.build(_net(task))
            net.init_weights()
            path = str(tmp_path / f'{task}.pth')
            torch.save(dict(state_dict=net.state_dict(), meta={}), path)
            cfg[key] = path
    model = MODELS.build(cfg)
    if tmp_path is not None:
        model.init_weights()
    return model


def test_atdt_loss_without_loaded_networks_says_what_to_set(mmseg_scope):
    model = _atdt()
    with pytest.raises(RuntimeError, match=(
            r'^ATDTTransfer: N1/N2 weights are not loaded; set model.source_checkpoint and '
            r'model.target_checkpoint to the stage-1/2 checkpoints \(they are loaded by '
            r'init_weights\(\), which the Runner calls before training\)$')):
        model.loss(torch.zeros(1, 3, 64, 64))


def test_atdt_transfer_output_of_the_wrong_size_is_named(mmseg_scope, tmp_path):
    """G must give E2's feature shape; the error names both shapes."""
    model = _atdt(tmp_path, out_channels=16)
    with pytest.raises(ValueError, match=(r'^ATDTTransfer: G gives \(2, 16, (\d+), (\d+)\) but '
                                          r'E2 gives \(2, 32, \1, \2\); check '
                                          r'transfer.out_channels$')):
        model.loss(torch.rand(2, 3, 64, 64))


# ------------------------------------------------------------------ CrossDomainMultiTask
def _cdmt_no_da():
    from synthssl.models import CrossDomainMultiTask
    torch.manual_seed(0)
    model = CrossDomainMultiTask(
        backbone=dict(type='synthssl.SynthAlexNet'),
        heads=dict(type='synthssl.MultiTaskDeconvHead', decoder=dict(mid_channels=8)))
    model.init_weights()
    return model.eval()  # running BN statistics: two forwards give the same numbers


def test_cdmt_task_loss_goes_through_a_model_wrapper_of_the_heads():
    """Under (MM)DistributedDataParallel the heads are wrapped, and their forward must go
    through the wrapper (which all-reduces their gradients): the task losses are those of
    the unwrapped heads, computed by one call of the wrapper. 80 px images: the decoders'
    own output (67 px) is resized to the targets' size."""
    from synthssl.testing import demo_pretrain_batch
    model = _cdmt_no_da()
    data = model.data_preprocessor(demo_pretrain_batch(2, 80, real=False, seed=1), True)
    plain = model(data['inputs'], data['data_samples'], mode='loss')
    model.heads = torch.nn.DataParallel(model.heads)  # an mmengine-registered wrapper
    calls = _count_calls(model.heads)
    wrapped = model(data['inputs'], data['data_samples'], mode='loss')
    assert len(calls) == 1
    assert set(wrapped) == set(plain) and len(plain) == 3
    for k in plain:
        assert torch.allclose(wrapped[k], plain[k], rtol=1e-6), k


def _cdmt_da():
    from synthssl.engine import MultiOptimWrapperConstructor
    from synthssl.models import CrossDomainMultiTask
    torch.manual_seed(0)
    model = CrossDomainMultiTask(
        backbone=dict(type='synthssl.SynthAlexNet'),
        heads=dict(type='synthssl.MultiTaskDeconvHead', decoder=dict(mid_channels=8)),
        discriminator=dict(type='synthssl.PatchDiscriminator', mid_channels=16))
    model.init_weights()
    optim = MultiOptimWrapperConstructor(dict(
        generator=dict(type='OptimWrapper', modules=['backbone', 'heads'],
                       optimizer=dict(type='SGD', lr=1e-3)),
        discriminator=dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=1e-3))))(model)
    return model, optim


def test_cdmt_train_step_errors_say_what_to_configure():
    """Domain adaptation needs both optimisers and paired synthetic/real batches; the
    errors name the constructor and the dataset wrapper to use."""
    from mmengine.optim import OptimWrapper
    from synthssl.testing import demo_pretrain_batch
    model, optim = _cdmt_da()
    single = OptimWrapper(torch.optim.SGD(model.parameters(), lr=1e-3))
    with pytest.raises(TypeError, match=(
            r"^CrossDomainMultiTask with a discriminator needs an OptimWrapperDict with "
            r"'generator' and 'discriminator' \(use "
            r"constructor='synthssl.MultiOptimWrapperConstructor'\)$")):
        model.train_step(demo_pretrain_batch(2, 67, real=True, seed=1), single)
    with pytest.raises(KeyError) as err:
        model.train_step(demo_pretrain_batch(2, 67, real=False, seed=1), optim)
    assert err.value.args[0] == ('domain adaptation needs paired batches: wrap the dataset '
                                 'in synthssl.SynRealPairDataset')


def test_cdmt_train_step_resizes_predictions_and_leaves_d_without_gradient():
    """80 px images (decoder output 67 px, resized to the 80 px targets) train; after the
    step D holds no gradient: D is frozen during the B+H step, so the generator's loss
    leaves nothing in D's .grad that its next update would add to L_D's gradient."""
    from synthssl.testing import demo_pretrain_batch
    model, optim = _cdmt_da()
    log = model.train_step(demo_pretrain_batch(2, 80, real=True, seed=1), optim)
    assert all(torch.isfinite(v).all() for v in log.values())
    for name, p in model.discriminator.named_parameters():
        assert p.grad is None or not p.grad.any(), name
        assert p.requires_grad, name  # unfrozen again for its own step


def test_cdmt_discriminator_accuracy_counts_a_zero_logit_as_wrong():
    """acc_d_syn / acc_d_real: % of patches D classifies right; a logit of 0 (p = 0.5)
    is right for neither domain."""
    from synthssl.testing import demo_pretrain_batch
    model, optim = _cdmt_da()
    model.discriminator.register_forward_hook(lambda m, args, out: out * 0)
    log = model.train_step(demo_pretrain_batch(2, 67, real=True, seed=1), optim)
    assert log['acc_d_syn'].item() == 0 and log['acc_d_real'].item() == 0
