# Dep.->Sem. stage 2: N2^A, the semantic network trained on A only (600 iterations). Tested
# on B it is also the Dep.->Sem. *baseline* (paper Tab. 1).
_base_ = ['./semantic_AB.py']
max_iters = 600
param_scheduler = [
    dict(type='PolyLR', eta_min=0., power=0.9, begin=0, end=max_iters, by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=max_iters))
train_dataloader = dict(dataset=dict(_base_.domain_a_train, _delete_=True))
