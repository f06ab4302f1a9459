# AT/DT stage 3 (G_{1->2} on domain A) as released (train_transfer.py): Adam lr 1e-5 on the
# transfer network only, poly 0.9 over 100k steps (at batch 1: set by the stage configs).
_base_ = ['./atdt_task_150k.py']
max_iters = 100000
optim_wrapper = dict(optimizer=dict(lr=1e-5))
param_scheduler = [
    dict(type='PolyLR', eta_min=0., power=0.9, begin=0, end=max_iters, by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
