# Paper Tab. 6 (§6.3): N2^A (semantic_A.py) without batch normalisation in encoder and
# decoder (see depth_AB_nobn.py). Tested on B it is the baseline of the no-BN setting.
_base_ = ['./semantic_A.py']
model = dict(
    backbone=dict(norm_cfg=dict(_base_.atdt_no_norm_cfg, _delete_=True)),
    decode_head=dict(norm_cfg=dict(_base_.atdt_no_norm_cfg, _delete_=True)))
