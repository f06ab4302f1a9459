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
    '../../_base_/schedules/atdt_task_150k.py'
]
default_scope = 'mmseg'
model = dict(
    _base_.atdt_semantic_net,
    data_preprocessor=dict(_base_.atdt_data_preprocessor, size=_base_.crop_size),
    decode_head=dict(
        _base_.atdt_semantic_net.decode_head,
        num_classes=_base_.num_classes,
        ignore_index=_base_.ignore_index))
train_dataloader = dict(
    dataset=dict(
        type='ConcatDataset',
        datasets=[_base_.domain_a_train, _base_.domain_b_train]))
val_dataloader = dict(dataset=_base_.domain_a_val)
test_dataloader = dict(dataset=_base_.domain_a_val)  # KITTI 2012 has no semantic labels
# aAcc (the paper's Acc.), mIoU and IoU.<class> (the paper's per-class columns)
val_evaluator = dict(type='synthssl.PerClassIoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
