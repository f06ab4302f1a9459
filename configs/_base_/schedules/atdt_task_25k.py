# AT/DT stage 2 (N2 on domain A) as released: 25k steps, otherwise as atdt_task_150k.py.
_base_ = ['./atdt_task_150k.py']
max_iters = 25000
param_scheduler = [
    dict(type='PolyLR', eta_min=0., power=0.9, begin=0, end=max_iters, by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
