# AT/DT on the built-in rendered pair: A = 'indoor' renders, B = 'warm' renders (same scenes,
# other materials/lights), small CPU schedule. Dep.->Sem. stage 1: N1^{A u B}, the depth
# network trained on A and B mixed (one shuffled ConcatDataset, as the released mixed list).
# Validated on A, tested on B (tools/test.py THIS_CONFIG CKPT).
_base_ = [
    '../../_base_/models/atdt_dilated-r50_render-indoor2warm.py',
    '../../_base_/datasets/atdt_render-indoor2warm.py',
    '../../_base_/schedules/atdt_cpu.py',
    '../../_base_/default_runtime.py'
]
default_scope = 'mmseg'
# CPU runs: one checkpoint, at the end; logs every 20 iterations
default_hooks = dict(
    checkpoint=dict(interval=_base_.max_iters, max_keep_ckpts=1), logger=dict(interval=20))
log_processor = dict(window_size=20)
model = _base_.depth_net  # sized for the pair: atdt_dilated-r50_render-indoor2warm.py
train_dataloader = dict(dataset=_base_.domain_ab_train)
val_dataloader = dict(dataset=_base_.domain_a_val)
test_dataloader = dict(dataset=_base_.domain_b_val)
val_evaluator = _base_.depth_metric
test_evaluator = val_evaluator
