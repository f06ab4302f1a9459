# The released GTA5 schedule: SGD momentum 0.9, wd 5e-4, lr 1e-3 (backbone x0.1), batch 6,
# 50 "epochs" of 2000 iterations = 100k iterations, quadratic 100-iteration warm-up x poly 0.9.
# Unlike train_seg.py, the CSG projection MLP is optimised (the released segmentation script
# leaves fc_csg out of the optimiser, so its MLPs stay at their random init; its
# classification script trains them). `custom_keys={'mlp_q': dict(lr_mult=0.)}` restores that.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=1e-3, momentum=0.9, weight_decay=5e-4),
    paramwise_cfg=dict(custom_keys={'model.backbone': dict(lr_mult=0.1)}))
max_iters = 100000
param_scheduler = [
    dict(type='synthssl.QuadraticWarmupLR', start_factor=0.01, by_epoch=False, begin=0,
         end=101),
    # mmengine's PolyLR reaches 0 at step end - 1, so end = max + 1 is (1 - it/max)^0.9
    dict(type='PolyLR', power=0.9, eta_min=0., by_epoch=False, begin=0, end=max_iters + 1),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=2000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
auto_scale_lr = dict(base_batch_size=6)
