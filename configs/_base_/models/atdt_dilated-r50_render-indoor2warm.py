# The AT/DT task networks of atdt_dilated-r50.py sized for the built-in rendered pair's data
# (datasets/atdt_render-indoor2warm.py): padded to its 128x128 crops, the renderer's 10
# classes without 'void', depth up to 10 m.
_base_ = ['./atdt_dilated-r50.py']
depth_net = dict(
    data_preprocessor=dict(size=(128, 128)),
    decode_head=dict(max_depth=10.0, loss_decode=dict(max_depth=10.0)))
semantic_net = dict(data_preprocessor=dict(size=(128, 128)), decode_head=dict(num_classes=10))
