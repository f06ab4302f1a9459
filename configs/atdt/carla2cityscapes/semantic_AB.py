# CARLA -> Cityscapes (see depth_AB.py). Sem.->Dep. stage 1: N1^{A u B}, the semantic
# network trained on A and B mixed, 150k steps at batch 8. Validated on A, tested on B.
_base_ = [
    '../../_base_/models/atdt_dilated-r50.py',
    '../../_base_/datasets/atdt_carla2cityscapes.py',
    '../../_base_/schedules/atdt_task_150k.py',
    '../../_base_/default_runtime.py'
]
default_scope = 'mmseg'
# released: a checkpoint every 1000 steps (keep 2)
default_hooks = dict(checkpoint=dict(interval=1000, max_keep_ckpts=2))
model = _base_.semantic_net  # atdt_dilated-r50.py's network, sized for the pair
train_dataloader = dict(dataset=_base_.domain_ab_train)
val_dataloader = dict(dataset=_base_.domain_a_val)
test_dataloader = dict(dataset=_base_.domain_b_val)
val_evaluator = _base_.semantic_metric
test_evaluator = val_evaluator
