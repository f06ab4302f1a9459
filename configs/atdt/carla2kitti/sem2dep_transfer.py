# AT/DT Sem.->Dep., A = CARLA, B = KITTI (paper Tab. 2c), stages 3 and 4.
# Stage 3 (tools/train.py): G_{1->2} maps the semantic encoder's features (N1^{A u B},
# semantic_AB.py) to the depth encoder's (N2^A, depth_A.py) on A images:
#   python tools/train.py THIS_CONFIG --cfg-options \
#       model.source_checkpoint=N1.pth model.target_checkpoint=N2.pth
# Stage 4 (tools/test.py THIS_CONFIG STAGE3.pth): depth metrics of D2(G(E1(x_B))) on KITTI
# 2012 (frames padded to a multiple of 64, predictions cropped back to the original pixels).
# G as released: 2048 channels (~226 M parameters), Adam 1e-5, poly 0.9, 100k steps, batch 1.
_base_ = [
    '../../_base_/models/atdt_dilated-r50.py',
    '../../_base_/datasets/atdt_carla2kitti.py',
    '../../_base_/schedules/atdt_transfer_100k.py',
    '../../_base_/default_runtime.py'
]
default_scope = 'mmseg'
# released: a checkpoint every 1000 steps (keep 2)
default_hooks = dict(checkpoint=dict(interval=1000, max_keep_ckpts=2))
model = dict(_base_.transfer_model, source=_base_.semantic_net, target=_base_.depth_net)
train_dataloader = dict(batch_size=1, dataset=_base_.domain_a_train)  # released; A only
val_dataloader = dict(dataset=_base_.domain_a_val)  # in-domain
test_dataloader = dict(dataset=_base_.domain_b_val)  # stage 4
val_evaluator = _base_.depth_metric
# f_ratio = focal(KITTI image, from its calibration) / focal(CARLA) as the released evaluation
test_evaluator = dict(val_evaluator, type='synthssl.FocalRatioDepthMetric', train_focal=859.238)
