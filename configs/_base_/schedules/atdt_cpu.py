# Small CPU schedule for the built-in rendered pair (minutes, not days): the released
# optimiser (Adam, poly 0.9; lr 1e-4 task networks) with few iterations (small batches:
# datasets/atdt_render-indoor2warm.py). Stage configs set max_iters per stage (N1 1200,
# N2 600, G 1000 by default).
_base_ = ['./atdt_task_150k.py']
max_iters = 1200
param_scheduler = [
    dict(type='PolyLR', eta_min=0., power=0.9, begin=0, end=max_iters, by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
