# CARLA -> KITTI. Sem.->Dep. stage 2: N2^A, the depth network trained on A only (25k steps at
# batch 8, as released). Tested on B (KITTI 2012, full frames padded to a multiple of 64 and
# cropped back) it is the Sem.->Dep. *baseline* (paper Tab. 2c).
_base_ = [
    '../../_base_/models/atdt_dilated-r50.py',
    '../../_base_/datasets/atdt_carla2kitti.py',
    '../../_base_/schedules/atdt_task_25k.py',
    '../../_base_/default_runtime.py'
]
default_scope = 'mmseg'
# released: a checkpoint every 1000 steps (keep 2)
default_hooks = dict(checkpoint=dict(interval=1000, max_keep_ckpts=2))
model = _base_.depth_net  # atdt_dilated-r50.py's network, sized for the pair
train_dataloader = dict(dataset=_base_.domain_a_train)
val_dataloader = dict(dataset=_base_.domain_a_val)
test_dataloader = dict(dataset=_base_.domain_b_val)
val_evaluator = _base_.depth_metric
# The released evaluation scales depth predicted on B by a network trained on A by
# f_ratio = focal(B) / focal(A); KITTI's focal is read per image from its calibration file
# (the data config packs it as focal_length), CARLA's is 859.238 px (the released table).
test_evaluator = dict(val_evaluator, type='synthssl.FocalRatioDepthMetric', train_focal=859.238)
