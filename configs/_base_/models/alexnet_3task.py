# Ren & Lee's network: SynthAlexNet (B), three deconvolution heads (H) on fc7, patch
# discriminator (D) on pre-ReLU conv5. Loss weights λ_s, λ_d, λ_e = 10, 5, 50 (adv 0.05):
# the paper chooses them "so that the task gradients have similar magnitude" and gives no
# values; with the paper's HED-form contour loss λ_e = 50 makes the contour gradient at fc7
# similar to the depth one (tools/benchmarks/task_gradient_balance.py, docs/renlee.md).
# The authors' released code's 10 / 5 / 1 (tuned for its per-image-weighted edge BCE):
#   --cfg-options model.heads.loss_weights=released
model = dict(
    type='CrossDomainMultiTask',
    backbone=dict(type='SynthAlexNet'),
    heads=dict(
        type='MultiTaskDeconvHead',
        tasks=('normal', 'depth', 'contour'),
        loss_weights=dict(normal=10.0, depth=5.0, contour=50.0)),
    discriminator=dict(type='PatchDiscriminator'),
    da_layer='conv5',
    da_tap='pre',
    adv_weight=0.05,
    bi_fool=False,
    pool_size=0,  # the authors' code: 128
    data_preprocessor=dict(
        type='SynRealDataPreprocessor',
        # RGB / 255 - ImageNet mean, std 1 (the authors' normalisation)
        mean=[123.675, 116.28, 103.53],
        std=[255., 255., 255.],
        bgr_to_rgb=True))
# Two optimisers: each sub-module gets its own DDP wrapper, the model's train_step runs.
model_wrapper_cfg = dict(
    type='MMSeparateDistributedDataParallel',
    broadcast_buffers=False,
    find_unused_parameters=False)
