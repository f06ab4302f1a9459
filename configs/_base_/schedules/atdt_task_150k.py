# AT/DT task networks as released (train_task.py): Adam (beta1 0.9) lr 1e-4, poly 0.9 over
# 150k steps at batch 8 (stage 1, N1 on A u B). Stage 2 (N2 on A) uses 25k: atdt_task_25k.py.
_base_ = ['../default_runtime.py']  # so the hook/log settings below override it
max_iters = 150000
optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-4, betas=(0.9, 0.999)))
param_scheduler = [
    dict(type='PolyLR', eta_min=0., power=0.9, begin=0, end=max_iters, by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False))
test_dataloader = val_dataloader
# released: a checkpoint every 1000 steps (keep 2)
default_hooks = dict(checkpoint=dict(interval=1000, max_keep_ckpts=2))
