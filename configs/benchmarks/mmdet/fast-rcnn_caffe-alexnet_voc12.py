# Fast R-CNN transfer of a converted synthssl AlexNet: PASCAL VOC2012 train -> VOC2012 val
# (Ren & Lee CVPR'18 Table 1, "12 DET"; paper: 50.0 mAP). Same model, input normalisation
# and schedule as the VOC2007 config (50k iterations, lr 1e-3 -> 1e-4 at 40k; VOC12 train,
# 5717 images, is about the size of VOC07 trainval, 5011); only the data and the AP differ.
# Proposals:
#   python tools/misc/selective_search_proposals.py data/VOCdevkit/VOC2012 train
#   python tools/misc/selective_search_proposals.py data/VOCdevkit/VOC2012 val
_base_ = './fast-rcnn_caffe-alexnet_voc07.py'

train_dataloader = dict(
    dataset=dict(
        ann_file='VOC2012/ImageSets/Main/train.txt',
        data_prefix=dict(sub_data_root='VOC2012/'),
        proposal_file='VOC2012/proposals/selective_search_train.pkl'))
val_dataloader = dict(
    dataset=dict(
        ann_file='VOC2012/ImageSets/Main/val.txt',
        data_prefix=dict(sub_data_root='VOC2012/'),
        proposal_file='VOC2012/proposals/selective_search_val.pkl'))
test_dataloader = val_dataloader
# VOC2012: area under the full precision/recall curve (the 2010+ devkit)
val_evaluator = dict(type='VOCMetric', metric='mAP', eval_mode='area')
test_evaluator = val_evaluator
