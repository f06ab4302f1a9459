# Ren & Lee, CVPR 2018, VGG16 variant (appendix table "VGG16"): VGG16-BN base, skip-connection
# heads for normal + depth + contour, DA at conv5_3 against real photographs; 224 crops of
# 256-resized views, grayscale; the AlexNet network's optimisers and loss weights (the paper
# gives none specific to VGG16).
# Batch: 8 GPUs x 8 = 64. The paper gives no VGG16 batch size; VGG16 at 224 needs far more
# activation memory than the AlexNet network at 227, so the AlexNet batch of 224 is reduced.
#   python tools/train.py configs/renlee/vgg16_3task.py
#   bash tools/dist_train.sh configs/renlee/vgg16_3task.py 8
_base_ = [
    '../_base_/models/vgg16_3task.py',
    '../_base_/datasets/syn_real_pretrain.py',
    '../_base_/schedules/adam_sgd_134k.py',
    '../_base_/default_runtime.py',
]
# syn_real_pretrain.py's pipelines with 224 instead of 227 crops
crop_size = 224
syn_pipeline = [dict(t, crop_size=crop_size) if 'crop_size' in t else t
                for t in _base_.syn_pipeline]
real_pipeline = [dict(t, crop_size=crop_size) if 'crop_size' in t else t
                 for t in _base_.real_pipeline]
val_pipeline = [dict(t, scale=(crop_size, crop_size)) if 'scale' in t else t
                for t in _base_.val_pipeline]
train_dataloader = dict(
    batch_size=8,  # per GPU: 8 x 8 = 64
    dataset=dict(syn=dict(pipeline=syn_pipeline), real=dict(pipeline=real_pipeline)))
val_dataloader = dict(batch_size=8, dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader
auto_scale_lr = dict(base_batch_size=64, enable=False)
