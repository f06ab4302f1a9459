# alexnet_3task for a few minutes on a CPU (what tools/quickstart.sh runs): the paper's model,
# losses, optimisers and domain adaptation, on 99x99 crops (fc7 5x5 instead of 13x13, ~7x
# less compute) of the views and photos the quick start writes, batch 8, 100 iterations.
# Scale up with tools/quickstart.sh's QUICKSTART_VIEWS / QUICKSTART_ITERS, or train the
# real thing with alexnet_3task.py.
_base_ = './alexnet_3task.py'

crop_size = 99
syn_pipeline = [
    dict(type='LoadMultiTaskAnnotations'),
    dict(type='InstanceToContour'),
    dict(type='MultiTaskResize', scale=(112, 112)),
    dict(type='MultiTaskRandomCrop', crop_size=crop_size),
    dict(type='RandomGrayscaleChannel', prob=1.0),
    dict(type='PackMultiTaskInputs'),
]
real_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='MultiTaskResize', short_edge=112),
    dict(type='MultiTaskRandomCrop', crop_size=crop_size),
    dict(type='RandomGrayscaleChannel', prob=1.0),
    dict(type='PackMultiTaskInputs'),
]
val_pipeline = [
    dict(type='LoadMultiTaskAnnotations'),
    dict(type='InstanceToContour'),
    dict(type='MultiTaskResize', scale=(crop_size, crop_size)),
    dict(type='PackMultiTaskInputs'),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=1,
    dataset=dict(syn=dict(pipeline=syn_pipeline), real=dict(pipeline=real_pipeline)))
val_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader
train_cfg = dict(max_iters=100, val_interval=100)
param_scheduler = None  # constant lr for so short a run
default_hooks = dict(
    logger=dict(interval=10), checkpoint=dict(interval=100, max_keep_ckpts=1))
log_processor = dict(window_size=10)
custom_hooks = [dict(type='PredictionPanelHook', interval=50, num_samples=4)]
