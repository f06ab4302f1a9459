# AT/DT, A = SYNTHIA-SF, B = Cityscapes: Dep.->Sem. only (paper Tab. 1b and the ablations of
# §6: Fig. 4, Tab. 5, Tab. 6). Released hyperparameters: 512x512 crops, Adam 1e-4, poly 0.9,
# batch 8. Stage 1: N1^{A u B}, the depth network trained on A and B mixed (one shuffled
# ConcatDataset) for 150k steps. Validated on A, tested on B. Cityscapes depth = the proxy
# labels of the data config (the paper: SGM disparities filtered by left-right check).
#   python tools/atdt/run_pipeline.py --pair synthia2cityscapes --direction dep2sem --baseline
_base_ = [
    '../../_base_/models/atdt_dilated-r50.py',
    '../../_base_/datasets/atdt_synthia2cityscapes.py',
    '../../_base_/schedules/atdt_task_150k.py'
]
default_scope = 'mmseg'
model = dict(
    _base_.atdt_depth_net,
    data_preprocessor=dict(_base_.atdt_data_preprocessor, size=_base_.crop_size),
    decode_head=dict(
        _base_.atdt_depth_net.decode_head,
        max_depth=_base_.max_depth,
        loss_decode=dict(type='synthssl.MaskedL1DepthLoss', max_depth=_base_.max_depth)))
train_dataloader = dict(
    dataset=dict(
        type='ConcatDataset',
        datasets=[_base_.domain_a_train, _base_.domain_b_train]))
val_dataloader = dict(dataset=_base_.domain_a_val)
test_dataloader = dict(dataset=_base_.domain_b_val)
val_evaluator = dict(
    type='synthssl.DepthMetric',
    pred_key='pred_depth_map',
    gt_key='gt_depth_map',
    min_depth=1e-3,
    max_depth=_base_.max_depth)
test_evaluator = val_evaluator
