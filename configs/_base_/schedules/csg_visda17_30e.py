# The released VisDA-17 schedule: SGD momentum 0.9, wd 5e-4, lr 1e-4 (backbone x0.1),
# batch 32, 30 epochs; lr = min(0.01 + 0.99 (it/100)^2, 1) * base * (1 - it/max)^0.9 per
# iteration (QuadraticWarmupLR end=101 reaches 1 at it = 100, PolyLR over all iterations;
# mmengine's epoch-converted PolyLR ends at max - 1, i.e. (1 - it/(max - 1))^0.9: with
# 4763 iterations per epoch a relative difference below 1e-5 until the last iterations).
# torch SGD, not the authors' utils/sgd.py variant that accumulates lr * grad in the buffer.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=1e-4, momentum=0.9, weight_decay=5e-4),
    paramwise_cfg=dict(custom_keys={'model.backbone': dict(lr_mult=0.1)}))
param_scheduler = [
    dict(type='synthssl.QuadraticWarmupLR', start_factor=0.01, by_epoch=False, begin=0,
         end=101),
    dict(type='PolyLR', power=0.9, eta_min=0., by_epoch=True, begin=0, end=30,
         convert_to_iter_based=True),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=30, val_interval=1)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=32)
