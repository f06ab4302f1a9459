# CSG on VisDA-17 (Chen et al., ICLR 2021: 64.05 mean per-class accuracy):
# ResNet-101 fine-tuned on the synthetic split, evaluated on the real validation split with
# the authors' flip-averaged sigmoid scores. Batch 32 on one GPU (auto_scale_lr base 32).
# ImageNet weights: set `pretrained` in configs/_base_/models/csg_r101_visda17.py, or in a
# config inheriting this one re-state the backbone's init_cfg, e.g.
#   model = dict(model=dict(backbone=dict(
#       init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet101'))))
_base_ = [
    '../_base_/models/csg_r101_visda17.py', '../_base_/datasets/csg_visda17.py',
    '../_base_/schedules/csg_visda17_30e.py', '../_base_/default_runtime.py'
]
default_scope = 'mmpretrain'
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    # The authors keep the best epoch on the validation set, which is also their test set.
    checkpoint=dict(type='CheckpointHook', by_epoch=True, interval=1, max_keep_ckpts=3,
                    save_best='single-label/recall', rule='greater'))
log_processor = dict(by_epoch=True, window_size=50)
