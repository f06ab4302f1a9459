# SYNTHIA -> CARLA. Sem.->Dep. stage 2: N2^A, the depth network trained on A only (25k
# steps, as released). Tested on B it is also the Sem.->Dep. *baseline* (paper Tab. 2a).
_base_ = ['./depth_AB.py']
max_iters = 25000
param_scheduler = [
    dict(type='PolyLR', eta_min=0., power=0.9, begin=0, end=max_iters, by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
train_dataloader = dict(dataset=dict(_base_.domain_a_train, _delete_=True))
# The released evaluation scales depth predicted on B by a network trained on A by
# f_ratio = focal(B) / focal(A) = 859.238 / 847.63 (CARLA / SYNTHIA, native resolution).
test_evaluator = dict(pred_scale=859.238 / 847.63)
