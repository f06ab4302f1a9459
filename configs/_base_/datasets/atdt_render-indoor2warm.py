# AT/DT on the built-in renderer (runs on a fresh machine, CPU-sized): domain A = rooms in the
# 'indoor' style, domain B = different rooms (other seeds) in the 'warm' style. Render them with
#   python tools/dataset_converters/render_atdt_pair.py data/atdt/render
# Semantics: the renderer's classes without 'void' (void -> ignore_index); depth: metric z in
# metres from the uint16 millimetre PNGs (0 = invalid). Image side 192 (divisible by 64, the
# AT/DT transfer network's output stride), random 128 crops for training.
data_root_a = 'data/atdt/render/indoor_train'
data_root_b = 'data/atdt/render/warm_train'
data_root_a_val = 'data/atdt/render/indoor_val'
data_root_b_val = 'data/atdt/render/warm_val'

class_names = ('floor', 'wall', 'ceiling', 'box', 'cylinder', 'sphere', 'table', 'chair',
               'shelf', 'mesh')
num_classes = 10
ignore_index = 255
max_depth = 10.0  # metres; the rooms are at most 7 x 7 x 3.2 m
crop_size = (128, 128)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='synthssl.LoadSemanticMap'),
    dict(type='synthssl.LoadDepthMap'),
    dict(type='mmseg.RandomCrop', crop_size=crop_size),
    dict(type='mmseg.RandomFlip', prob=0.5),
    dict(type='synthssl.RandomGammaBrightnessColor', prob=0.5),
    dict(type='mmseg.PackSegInputs'),
]
val_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='synthssl.LoadSemanticMap'),
    dict(type='synthssl.LoadDepthMap'),
    dict(type='mmseg.PackSegInputs',  # + the view's focal (synthssl.FocalRatioDepthMetric)
         meta_keys=('img_path', 'seg_map_path', 'ori_shape', 'img_shape', 'pad_shape',
                    'scale_factor', 'flip', 'flip_direction', 'reduce_zero_label',
                    'focal_length')),
]

domain_a_train = dict(type='synthssl.RenderedSceneSegDataset', data_root=data_root_a,
                      pipeline=train_pipeline)
domain_b_train = dict(type='synthssl.RenderedSceneSegDataset', data_root=data_root_b,
                      pipeline=train_pipeline)
domain_a_val = dict(type='synthssl.RenderedSceneSegDataset', data_root=data_root_a_val,
                    pipeline=val_pipeline, test_mode=True)
domain_b_val = dict(type='synthssl.RenderedSceneSegDataset', data_root=data_root_b_val,
                    pipeline=val_pipeline, test_mode=True)
