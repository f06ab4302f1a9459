# AT/DT, A = SYNTHIA-SF, B = CARLA (paper Tab. 1a Dep.->Sem., Tab. 2a Sem.->Dep.), released
# hyperparameters: 512x512 crops, Adam 1e-4, poly 0.9, batch 8. Dep.->Sem. stage 1: N1^{A u B},
# the depth network trained on A and B mixed (one shuffled ConcatDataset) for 150k steps.
# Validated on A, tested on B (tools/test.py THIS_CONFIG CKPT).
#   python tools/atdt/run_pipeline.py --pair synthia2carla --direction dep2sem --baseline
_base_ = [
    '../../_base_/models/atdt_dilated-r50.py',
    '../../_base_/datasets/atdt_synthia2carla.py',
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
