# AT/DT Sem.->Dep., A = CARLA, B = KITTI (paper Tab. 2c; Sem.->Dep. only: B's training set is
# the 200 semantically annotated KITTI 2015 images, its test set the 200 KITTI 2012 stereo
# images with depth only). Released hyperparameters: 512x512 crops (KITTI's 375-pixel-high
# frames are cropped to 375x512 and padded to 512x512 with ignore/invalid labels), Adam 1e-4,
# poly 0.9, batch 8. Stage 1: N1^{A u B}, the semantic network trained on A and B mixed for
# 150k steps. Validated on A; B has no semantic test set, so it is also tested on A.
#   python tools/atdt/run_pipeline.py --pair carla2kitti --direction sem2dep --baseline --oracle
_base_ = [
    '../../_base_/models/atdt_dilated-r50.py',
    '../../_base_/datasets/atdt_carla2kitti.py',
    '../../_base_/schedules/atdt_task_150k.py',
    '../../_base_/default_runtime.py'
]
default_scope = 'mmseg'
# released: a checkpoint every 1000 steps (keep 2)
default_hooks = dict(checkpoint=dict(interval=1000, max_keep_ckpts=2))
model = _base_.semantic_net  # atdt_dilated-r50.py's network, sized for the pair
train_dataloader = dict(dataset=_base_.domain_ab_train)
val_dataloader = dict(dataset=_base_.domain_a_val)
test_dataloader = dict(dataset=_base_.domain_a_val)  # KITTI 2012 has no semantic labels
val_evaluator = _base_.semantic_metric
test_evaluator = val_evaluator
