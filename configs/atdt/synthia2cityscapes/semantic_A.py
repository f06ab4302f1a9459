# SYNTHIA -> Cityscapes. Dep.->Sem. stage 2: N2^A, the semantic network trained on A only
# (25k steps at batch 8, as released). Tested on B it is also the *baseline* (paper Tab. 1b).
_base_ = [
    '../../_base_/models/atdt_dilated-r50.py',
    '../../_base_/datasets/atdt_synthia2cityscapes.py',
    '../../_base_/schedules/atdt_task_25k.py'
]
default_scope = 'mmseg'
model = dict(
    _base_.atdt_semantic_net,
    data_preprocessor=dict(_base_.atdt_data_preprocessor, size=_base_.crop_size),
    decode_head=dict(
        _base_.atdt_semantic_net.decode_head,
        num_classes=_base_.num_classes,
        ignore_index=_base_.ignore_index))
train_dataloader = dict(dataset=_base_.domain_a_train)
val_dataloader = dict(dataset=_base_.domain_a_val)
test_dataloader = dict(dataset=_base_.domain_b_val)
# aAcc (the paper's Acc.), mIoU and IoU.<class> (the paper's per-class columns)
val_evaluator = dict(type='synthssl.PerClassIoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
