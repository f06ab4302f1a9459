# The authors' optimisation: Adam 1e-3 (0.5, 0.999) for B + H, SGD 1e-3 (momentum 0.9,
# wd 5e-4) for D; 30 epochs of 1M views at batch 224 = 134k iterations. Their config asks
# for x0.1 at epochs 18 and 27; their train.py never applied it (constant lr). Set
# param_scheduler = None for the released behaviour.
# Adam runs fused (one vectorised kernel over all tensors instead of ~10 ops per tensor): the
# same update to 1.5e-8 after 6 steps, 5x faster on the CPU (1.0 -> 0.19 s per step for
# AlexNet's 66M B + H parameters, one thread; tools/benchmarks/pretrain_throughput.py).
optim_wrapper = dict(
    constructor='MultiOptimWrapperConstructor',
    generator=dict(
        type='OptimWrapper',
        modules=['backbone', 'heads'],
        optimizer=dict(type='Adam', lr=1e-3, betas=(0.5, 0.999), fused=True)),
    discriminator=dict(
        type='OptimWrapper',
        optimizer=dict(type='SGD', lr=1e-3, momentum=0.9, weight_decay=5e-4)))
max_iters = 134000
param_scheduler = dict(
    generator=[dict(type='MultiStepLR', by_epoch=False, milestones=[80400, 120600],
                    gamma=0.1)],
    discriminator=[dict(type='MultiStepLR', by_epoch=False, milestones=[80400, 120600],
                        gamma=0.1)])
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=5000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
auto_scale_lr = dict(base_batch_size=224, enable=False)
