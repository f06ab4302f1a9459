# VOC2007 classification, 10-crop test: Kraehenbuehl et al.'s protocol, the number their
# philkr/voc-classification tables report and the authors' test.sh ran. Test-only: train with
# caffe-alexnet_voc07-cls-ft.py, then test its checkpoint with this config
#   python tools/test.py configs/benchmarks/mmpretrain/caffe-alexnet_voc07-cls-ft_10crop.py \
#       work_dirs/benchmarks/voc07_cls/NAME/best_multi-label_mAP_iter_N.pth
# (bash tools/dist_test.sh ... for several GPUs).
#
# What the script's "10 crops" are (train_cls.py + philkr's Caffe TransformationLayer): the
# test image passes 10 times through the *training* transform, each time a random window
# (scale 0.5-2, random position, random mirror) resampled to 227, and the 10 fc8 outputs are
# summed; its "1 crop" is one such random view. make_table.py reports the 10-crop test mAP,
# and the paper's Table 1 (68.0) takes the other methods' numbers from those tables
# ("following the protocol in [34]"), so 68.0 is a 10-crop number; the 1-crop
# caffe-alexnet_voc07-cls-ft.py test (the whole image squashed to 227x227) is not comparable
# to it. Here: 10 views drawn with the training pipeline's random resize / crop / flip
# (mmcv's TestTimeAug), their sigmoid scores averaged by mmpretrain's AverageClsScoreTTA
# (the script summed logits; both are per-view monotone, the rankings can differ slightly).
_base_ = './caffe-alexnet_voc07-cls-ft.py'

num_crops = 10
tta_model = dict(type='AverageClsScoreTTA')
tta_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='TestTimeAug',
        transforms=[
            # the training pipeline's random view, drawn num_crops times
            [dict(type='RandomResize', scale=(500, 500), ratio_range=(0.5, 2.0),
                  keep_ratio=True)] * num_crops,
            [dict(type='RandomCrop', crop_size=227, pad_if_needed=True)],
            [dict(type='RandomFlip', prob=0.5, direction='horizontal')],
            [dict(type='PackInputs',
                  meta_keys=('sample_idx', 'img_path', 'ori_shape', 'img_shape',
                             'scale_factor', 'flip', 'flip_direction',
                             'gt_label_difficult'))],
        ]),
]
model = dict(_delete_=True, **tta_model, module=_base_.model)
val_dataloader = dict(dataset=dict(pipeline=tta_pipeline))
test_dataloader = val_dataloader
train_dataloader = None
train_cfg = None
optim_wrapper = None
param_scheduler = None
auto_scale_lr = None
