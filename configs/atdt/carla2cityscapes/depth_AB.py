# AT/DT, A = CARLA, B = Cityscapes (paper Tab. 1c), released hyperparameters: 512x512 crops,
# Adam 1e-4, poly 0.9, batch 8. Dep.->Sem. stage 1: N1^{A u B}, the depth network trained on
# A and B mixed (one shuffled ConcatDataset, as the released mixed list) for 150k steps.
# Validated on A, tested on B (tools/test.py THIS_CONFIG CKPT). Cityscapes depth = the
# proxy labels of the data config (the paper: SGM disparities filtered by left-right check).
_base_ = [
    '../../_base_/models/atdt_dilated-r50.py',
    '../../_base_/datasets/atdt_carla2cityscapes.py',
    '../../_base_/schedules/atdt_task_150k.py',
    '../../_base_/default_runtime.py'
]
default_scope = 'mmseg'
# released: a checkpoint every 1000 steps (keep 2)
default_hooks = dict(checkpoint=dict(interval=1000, max_keep_ckpts=2))
model = _base_.depth_net  # atdt_dilated-r50.py's network, sized for the pair
train_dataloader = dict(dataset=_base_.domain_ab_train)
val_dataloader = dict(dataset=_base_.domain_a_val)
test_dataloader = dict(dataset=_base_.domain_b_val)
val_evaluator = _base_.depth_metric
test_evaluator = val_evaluator
