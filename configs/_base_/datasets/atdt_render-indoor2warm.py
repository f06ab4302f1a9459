# AT/DT on the built-in renderer (runs on a fresh machine, CPU-sized): domain A = rooms in the
# 'indoor' style, domain B = different rooms (other seeds) in the 'warm' style. Render them with
#   python tools/render/render_atdt_pair.py data/atdt/render
# Semantics: the renderer's classes without 'void' (void -> ignore_index); depth: metric z in
# metres from the uint16 millimetre PNGs (0 = invalid). Image side 192 (divisible by 64, the
# AT/DT transfer network's output stride), random 128 crops for training.
_base_ = ['./atdt_common.py']  # pipelines, metrics and loaders, re-sized below
data_root_a = 'data/atdt/render/indoor_train'
data_root_b = 'data/atdt/render/warm_train'
data_root_a_val = 'data/atdt/render/indoor_val'
data_root_b_val = 'data/atdt/render/warm_val'

class_names = ('floor', 'wall', 'ceiling', 'box', 'cylinder', 'sphere', 'table', 'chair',
               'shelf', 'mesh')
num_classes = 10
max_depth = 10.0  # metres; the rooms are at most 7 x 7 x 3.2 m
crop_size = (128, 128)

# the common pipelines with 128 crops, + the view's focal (synthssl.FocalRatioDepthMetric)
train_pipeline = [dict(t, crop_size=crop_size) if t.type == 'mmseg.RandomCrop' else t
                  for t in _base_.train_pipeline]
val_pipeline = _base_.val_pipeline_focal
# the depth metric for these depths (the networks for these classes, depths and crops:
# models/atdt_dilated-r50_render-indoor2warm.py)
depth_metric = dict(max_depth=max_depth)
# CPU-sized batches (schedules/atdt_cpu.py)
train_dataloader = dict(batch_size=4, num_workers=2)

domain_a_train = dict(type='synthssl.RenderedSceneSegDataset', data_root=data_root_a,
                      pipeline=train_pipeline)
domain_b_train = dict(type='synthssl.RenderedSceneSegDataset', data_root=data_root_b,
                      pipeline=train_pipeline)
domain_ab_train = dict(type='ConcatDataset', datasets=[domain_a_train, domain_b_train])
domain_a_val = dict(type='synthssl.RenderedSceneSegDataset', data_root=data_root_a_val,
                    pipeline=val_pipeline, test_mode=True)
domain_b_val = dict(type='synthssl.RenderedSceneSegDataset', data_root=data_root_b_val,
                    pipeline=val_pipeline, test_mode=True)
