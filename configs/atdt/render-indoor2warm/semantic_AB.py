# Rendered pair (see depth_AB.py). Sem.->Dep. stage 1: N1^{A u B}, the semantic network
# trained on A and B mixed. Validated on A, tested on B.
_base_ = [
    '../../_base_/models/atdt_dilated-r50.py',
    '../../_base_/datasets/atdt_render-indoor2warm.py',
    '../../_base_/schedules/atdt_cpu.py'
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
test_dataloader = dict(dataset=_base_.domain_b_val)
# aAcc (the paper's Acc.), mIoU and IoU.<class> (the paper's per-class columns)
val_evaluator = dict(type='synthssl.PerClassIoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
