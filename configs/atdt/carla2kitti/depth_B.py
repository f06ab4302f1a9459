# CARLA -> KITTI. Sem.->Dep. *oracle* (paper Tab. 2c "- Kitti Oracle"): the depth network trained
# on KITTI depth, tested on KITTI 2012. The paper does not say which KITTI depth it trained on;
# here the 200 KITTI 2015 stereo training frames (disparity -> depth, domain_b_oracle_train of
# the data config), 150k steps at batch 8 (stage 1's schedule). Same camera, no focal ratio.
_base_ = ['./depth_A.py']
max_iters = 150000
param_scheduler = [
    dict(type='PolyLR', eta_min=0., power=0.9, begin=0, end=max_iters, by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
train_dataloader = dict(dataset=dict(_base_.domain_b_oracle_train, _delete_=True))
val_dataloader = dict(dataset=dict(_base_.domain_b_val, _delete_=True))
test_evaluator = dict(_base_.val_evaluator, _delete_=True)
