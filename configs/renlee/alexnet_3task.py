# Ren & Lee, CVPR 2018: AlexNet-BN, normal + depth + contour heads, DA at conv5 against real
# photographs; 8 GPUs x 28 = batch 224, 227 crops, grayscale.
#   python tools/train.py configs/renlee/alexnet_3task.py
#   bash tools/dist_train.sh configs/renlee/alexnet_3task.py 8
_base_ = [
    '../_base_/models/alexnet_3task.py',
    '../_base_/datasets/syn_real_pretrain.py',
    '../_base_/schedules/adam_sgd_134k.py',
    '../_base_/default_runtime.py',
]
# input | predicted / true depth, normal, contour of the first 4 val views, every 1000
# iterations, to the visualiser (work_dir/<timestamp>/vis_data/vis_image/prediction_panel_*)
custom_hooks = [dict(type='PredictionPanelHook', interval=1000, num_samples=4)]
