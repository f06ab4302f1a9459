# SYNTHIA -> Cityscapes, 150k steps at batch 8 (stage 1's schedule). Dep.->Sem. *oracle*: the
# semantic network trained on B, tested on B (the same network as carla2cityscapes/semantic_B,
# the Cityscapes oracle row of paper Tab. 1).
_base_ = ['./semantic_A.py']
max_iters = 150000
param_scheduler = [
    dict(type='PolyLR', eta_min=0., power=0.9, begin=0, end=max_iters, by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
train_dataloader = dict(dataset=dict(_base_.domain_b_train, _delete_=True))
val_dataloader = dict(dataset=dict(_base_.domain_b_val, _delete_=True))
