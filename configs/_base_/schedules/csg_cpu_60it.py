# CSG on a fresh machine (CPU, minutes): the released recipes' optimiser (SGD momentum 0.9,
# wd 5e-4, backbone x0.1, quadratic warm-up x poly 0.9) at lr 1e-2 for 60 iterations, with a
# gloo process group and a checkpoint every 30 iterations (validation too).
_base_ = ['../default_runtime.py']  # so the hook/env settings below override it
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4),
    paramwise_cfg=dict(custom_keys={'model.backbone': dict(lr_mult=0.1)}))
max_iters = 60
param_scheduler = [
    dict(type='synthssl.QuadraticWarmupLR', start_factor=0.01, by_epoch=False, begin=0,
         end=11),
    dict(type='PolyLR', power=0.9, eta_min=0., by_epoch=False, begin=0, end=max_iters + 1),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=30)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=30, max_keep_ckpts=2))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
