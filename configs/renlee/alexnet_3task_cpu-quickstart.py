# alexnet_3task for a few minutes on a CPU (what tools/quickstart.sh runs): the paper's model,
# losses, optimisers and domain adaptation, on 99x99 crops (fc7 5x5 instead of 13x13, ~7x
# less compute) of the views and photos the quick start writes, batch 8, 100 iterations.
# Scale up with tools/quickstart.sh's QUICKSTART_VIEWS / QUICKSTART_ITERS, or train the
# real thing with alexnet_3task.py.
_base_ = './alexnet_3task.py'

# syn_real_pretrain.py's pipelines with 99 crops of 112-resized views and photos
crop_size, resize = 99, 112
syn_pipeline = [dict(t, crop_size=crop_size) if 'crop_size' in t else
                dict(t, scale=(resize, resize)) if 'scale' in t else t
                for t in _base_.syn_pipeline]
real_pipeline = [dict(t, crop_size=crop_size) if 'crop_size' in t else
                 dict(t, short_edge=resize) if 'short_edge' in t else t
                 for t in _base_.real_pipeline]
val_pipeline = [dict(t, scale=(crop_size, crop_size)) if 'scale' in t else t
                for t in _base_.val_pipeline]
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
