# GTA5 -> Cityscapes for CSG: train on GTA5 (labels mapped to the 19 Cityscapes trainIds by
# synthssl.GTA5Dataset), evaluate mIoU on Cityscapes val at full resolution (whole image).
#   data/gta5/images/00001.png ..., data/gta5/labels/00001.png ..., data/gta5/split.mat
#   data/cityscapes/leftImg8bit/val/..., data/cityscapes/gtFine/val/*_labelTrainIds.png
#     (mmseg's tools/dataset_converters/cityscapes.py writes the labelTrainIds files)
gta5_root = 'data/gta5'
cityscapes_root = 'data/cityscapes'
crop_size = (512, 512)

# Released dataloader_seg.TrainPre: mirror, scale U(0.75, 1.25) of the full-resolution
# image (1914x1052), random 512 crop (padded with 0 / 255 by SegDataPreProcessor.size);
# the key view is the same crop under ColorJitter(0.4, 0.4, 0.4, 0.4).
# torchvision's ColorJitter on the RGB PIL image, exactly the authors' op (through mmpretrain's
# torchvision wrapper; mmpretrain's own ColorJitter calls mmcv.adjust_hue, which raises an
# OverflowError for negative hue shifts under numpy 2).
key_view_transforms = [
    dict(type='mmpretrain.NumpyToPIL', to_rgb=True),
    dict(type='mmpretrain.torchvision/ColorJitter', brightness=0.4, contrast=0.4,
         saturation=0.4, hue=0.4),
    dict(type='mmpretrain.PILToNumpy', to_bgr=True),
]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmseg.LoadAnnotations'),  # PIL: GTA5 labels are palette PNGs
    dict(type='RandomResize', scale=(1914, 1052), ratio_range=(0.75, 1.25),
         keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='synthssl.AddKeyView', transforms=key_view_transforms),
    dict(type='synthssl.PackCSGSegInputs'),
]
val_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmseg.LoadAnnotations'),
    dict(type='mmseg.PackSegInputs'),
]

train_dataloader = dict(
    batch_size=6,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='synthssl.GTA5Dataset',
        data_root=gta5_root,
        ann_file='split.mat',  # the official split's 12403 train frames
        split='train',
        data_prefix=dict(img_path='images', seg_map_path='labels'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='mmseg.CityscapesDataset',
        data_root=cityscapes_root,
        data_prefix=dict(img_path='leftImg8bit/val', seg_map_path='gtFine/val'),
        pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='mmseg.IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
