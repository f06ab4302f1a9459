# AT/DT task networks as released (train_task.py): Adam (beta1 0.9) lr 1e-4, poly 0.9 over
# 150k steps (stage 1, N1 on A u B; batch 8: datasets/atdt_common.py). Stage 2 (N2 on A)
# uses 25k: atdt_task_25k.py. The released checkpoint policy (every 1000 steps, keep 2) is
# set by the stage configs (default_hooks), over default_runtime.py.
max_iters = 150000
optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-4, betas=(0.9, 0.999)))
param_scheduler = [
    dict(type='PolyLR', eta_min=0., power=0.9, begin=0, end=max_iters, by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
