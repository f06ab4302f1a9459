# AT/DT Dep.->Sem. on the rendered pair, stages 3 and 4.
# Stage 3 (tools/train.py): G_{1->2} maps the depth encoder's features (N1^{A u B},
# depth_AB.py) to the semantic encoder's (N2^A, semantic_A.py) on A images:
#   python tools/train.py THIS_CONFIG --cfg-options \
#       model.source_checkpoint=N1.pth model.target_checkpoint=N2.pth
# Stage 4 (tools/test.py THIS_CONFIG STAGE3.pth): D2(G(E1(x_B))) on B, mIoU/aAcc.
# tools/atdt/run_pipeline.py chains all four.
# G has 512 channels here (released: 2048, ~226 M parameters) to keep the CPU run small.
_base_ = [
    '../../_base_/models/atdt_dilated-r50_render-indoor2warm.py',
    '../../_base_/datasets/atdt_render-indoor2warm.py',
    '../../_base_/schedules/atdt_cpu.py',
    '../../_base_/default_runtime.py'
]
default_scope = 'mmseg'
model = dict(
    _base_.transfer_model,
    source=_base_.depth_net,
    target=_base_.semantic_net,
    transfer=dict(_base_.atdt_transfer, channels=512))
max_iters = 1000
param_scheduler = [
    dict(type='PolyLR', eta_min=0., power=0.9, begin=0, end=max_iters, by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
# CPU runs: one checkpoint, at the end; logs every 20 iterations
default_hooks = dict(
    checkpoint=dict(interval=max_iters, max_keep_ckpts=1), logger=dict(interval=20))
log_processor = dict(window_size=20)
optim_wrapper = dict(optimizer=dict(lr=1e-5))  # as released for G
train_dataloader = dict(batch_size=1, dataset=_base_.domain_a_train)  # G sees A only
val_dataloader = dict(dataset=_base_.domain_a_val)  # in-domain (§6.1's orange line)
test_dataloader = dict(dataset=_base_.domain_b_val)  # stage 4
val_evaluator = _base_.semantic_metric
test_evaluator = val_evaluator
