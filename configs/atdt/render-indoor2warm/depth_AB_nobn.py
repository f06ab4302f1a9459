# Paper Tab. 6 (§6.3) on the rendered pair: N1^{A u B} (depth_AB.py) without batch
# normalisation in the encoder (mmseg ResNet-50) and the decoder (atdt_no_norm_cfg =
# synthssl.IdentityNorm with a per-channel bias in place of the dropped conv biases).
_base_ = ['./depth_AB.py']
model = dict(
    backbone=dict(norm_cfg=dict(_base_.atdt_no_norm_cfg, _delete_=True)),
    decode_head=dict(norm_cfg=dict(_base_.atdt_no_norm_cfg, _delete_=True)))
