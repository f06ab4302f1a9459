# Ren & Lee's network: SynthAlexNet (B), three deconvolution heads (H) on fc7, patch
# discriminator (D) on pre-ReLU conv5. Loss weights: normal 10, depth 5, contour 1, adv 0.05.
model = dict(
    type='CrossDomainMultiTask',
    backbone=dict(type='SynthAlexNet'),
    heads=dict(type='MultiTaskDeconvHead', tasks=('normal', 'depth', 'contour')),
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
