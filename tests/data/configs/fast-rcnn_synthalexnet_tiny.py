# mmdet's own Fast R-CNN config with synthssl's backbone: conv5 (stride 16), no neck,
# RoIAlign (CPU) over the single feature map.
_base_ = 'mmdet::fast_rcnn/fast-rcnn_r50_fpn_1x_coco.py'

model = dict(
    backbone=dict(
        _delete_=True, type='synthssl.SynthAlexNet', out_indices=('conv5', ), init_cfg=None),
    neck=None,
    roi_head=dict(
        bbox_roi_extractor=dict(
            roi_layer=dict(type='RoIAlign', output_size=6, sampling_ratio=2),
            out_channels=256,
            featmap_strides=[16]),
        bbox_head=dict(in_channels=256, roi_feat_size=6, fc_out_channels=256, num_classes=20)))
