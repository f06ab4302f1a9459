# Runtime shared by synthssl's own configs (scope 'synthssl'; mmengine/mmcv types resolve
# through the parent registries, mmpretrain/mmdet/mmseg ones need their prefix).
default_scope = 'synthssl'
custom_imports = dict(imports=['synthssl'], allow_failed_imports=False)

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # 'local_atomic': a job killed while saving never leaves a truncated checkpoint
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=5000, max_keep_ckpts=3,
                    backend_args=dict(backend='local_atomic')),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # random states in the checkpoints: a resumed run draws what a straight one would
    random_state=dict(type='synthssl.RandomStateHook'))

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='Visualizer', vis_backends=vis_backends)
log_processor = dict(by_epoch=False, window_size=50)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0, deterministic=False)
