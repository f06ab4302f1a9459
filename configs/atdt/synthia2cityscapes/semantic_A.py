# SYNTHIA -> Cityscapes. Dep.->Sem. stage 2: N2^A, the semantic network trained on A only
# (25k steps at batch 8, as released). Tested on B it is also the *baseline* (paper Tab. 1b).
_base_ = [
    '../../_base_/models/atdt_dilated-r50.py',
    '../../_base_/datasets/atdt_synthia2cityscapes.py',
    '../../_base_/schedules/atdt_task_25k.py',
    '../../_base_/default_runtime.py'
]
default_scope = 'mmseg'
# released: a checkpoint every 1000 steps (keep 2)
default_hooks = dict(checkpoint=dict(interval=1000, max_keep_ckpts=2))
model = _base_.semantic_net  # atdt_dilated-r50.py's network, sized for the pair
train_dataloader = dict(dataset=_base_.domain_a_train)
val_dataloader = dict(dataset=_base_.domain_a_val)
test_dataloader = dict(dataset=_base_.domain_b_val)
val_evaluator = _base_.semantic_metric
test_evaluator = val_evaluator
