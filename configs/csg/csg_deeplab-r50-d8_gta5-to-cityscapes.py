# CSG on GTA5 -> Cityscapes with DeepLab ResNet-50: 512 crops,
# scale 0.75-1.25, λ = 75, 8x8 chunks, batch 6, lr 1e-3, 100k iterations.
_base_ = [
    '../_base_/models/csg_deeplab-r50-d8.py', '../_base_/datasets/csg_gta5-to-cityscapes.py',
    '../_base_/schedules/csg_gta5_100k.py', '../_base_/default_runtime.py'
]
default_scope = 'mmseg'
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=2000, max_keep_ckpts=3,
                    save_best='mIoU', rule='greater'))
log_processor = dict(by_epoch=False, window_size=50)
