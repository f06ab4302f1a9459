# CSG on a fresh machine (CPU, minutes): the released recipes' optimiser (SGD momentum 0.9,
# wd 5e-4, backbone x0.1, quadratic warm-up x poly 0.9) at lr 1e-2 for 60 iterations
# (validation every 30; the CPU configs also checkpoint every 30, on a gloo process group).
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
