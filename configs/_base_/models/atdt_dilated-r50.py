# AT/DT task networks (paper §4; released core/models.py): dilated ResNet-50 encoder, output
# stride 16, BN, trained from scratch, + the authors' upsampling decoder (ATDTDecoderHead).
# Not a `model = ...` base: stage configs pick `_base_.semantic_net` / `_base_.depth_net`
# (N1, N2, baseline, oracle; defined at the end) or both (`_base_.transfer_model`).
#
# Encoder = mmseg ResNet (7x7 stem like the authors') with strides (2, 2, 1, 1) and
# dilations (1, 1, 2, 4): /4 stem, /8 after stage 1, /16 after stage 2, then two dilated
# stages (rates 2 and 4) at /16 -> (N, 2048, H/16, W/16), the authors' layout (they stride in
# the last block of a stage, mmseg in the first). strides (1, 2, 1, 1) would give OS 8.
# Deviation: mmseg's ResNet uses ReLU; the authors' encoder uses ELU (their decoder's ELU is
# kept: ATDTDecoderHead act_cfg).
atdt_norm_cfg = dict(type='BN', requires_grad=True)  # SyncBN for multi-GPU runs
# Paper §6.3 (Tab. 6) "no BN" task networks: no normalisation in encoder and decoder; the
# learnable per-channel bias stands in for the conv biases mmcv drops when norm_cfg is set.
atdt_no_norm_cfg = dict(type='synthssl.IdentityNorm', bias=True)
# The authors feed RGB in [0, 1] without mean subtraction. Test images are zero-padded
# (bottom/right) to a multiple of 64, the transfer network's output stride (H/16 -> H/64 ->
# H/16), e.g. KITTI's ~1242x375 or SYNTHIA-SF's 1920x1080; mmseg crops the predictions back
# (padding_size), so metrics are on the original pixels. (Stage configs set `size` = the crop.)
atdt_data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[0., 0., 0.],
    std=[255., 255., 255.],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    test_cfg=dict(size_divisor=64))
atdt_backbone = dict(
    type='ResNet',
    depth=50,
    num_stages=4,
    out_indices=(3, ),
    strides=(2, 2, 1, 1),
    dilations=(1, 1, 2, 4),
    norm_cfg=atdt_norm_cfg,
    norm_eval=False,
    style='pytorch',
    contract_dilation=False)
atdt_decoder = dict(
    type='synthssl.ATDTDecoderHead',
    in_channels=2048,
    channels=(128, 64, 32),
    in_index=-1,
    norm_cfg=atdt_norm_cfg,
    act_cfg=dict(type='ELU'),
    upsample_mode='nearest',
    align_corners=False)
atdt_semantic_net = dict(
    type='EncoderDecoder',
    data_preprocessor=atdt_data_preprocessor,
    backbone=atdt_backbone,
    decode_head=dict(
        atdt_decoder,
        task='semantic',
        num_classes=11,
        ignore_index=255,
        # mean over the valid (non-ignored) pixels, as core/losses.py
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0,
            avg_non_ignore=True)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
atdt_depth_net = dict(
    type='DepthEstimator',
    data_preprocessor=atdt_data_preprocessor,
    backbone=atdt_backbone,
    decode_head=dict(
        atdt_decoder,
        task='depth',
        num_classes=1,
        max_depth=100.,
        depth_act='none',  # released: linear output, clamped to [1e-3, max] at test
        loss_decode=dict(type='synthssl.MaskedL1DepthLoss', max_depth=100.)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
# G_{1->2} as released: 2048 channels, ELU everywhere (also the last layer), no norm.
atdt_transfer = dict(
    type='synthssl.FeatureTransferNetwork',
    in_channels=2048,
    out_channels=2048,
    channels=2048,
    norm_cfg=None,
    act_cfg=dict(type='ELU'),
    last_act=True)

# The task networks as the stage configs train them (N1, N2, baselines, oracles; the source
# and target of ATDTTransfer): the networks above padded to the 512x512 training crops of the
# paper's pairs (datasets/atdt_common.py; its 11 classes and 100 m are the heads' above).
# The rendered pair re-sizes them: atdt_dilated-r50_render-indoor2warm.py.
depth_net = dict(atdt_depth_net, data_preprocessor=dict(atdt_data_preprocessor, size=(512, 512)))
semantic_net = dict(
    atdt_semantic_net, data_preprocessor=dict(atdt_data_preprocessor, size=(512, 512)))
# stages 3/4: G_{1->2} (atdt_transfer) from the last stage of the source network's encoder;
# the stage configs pick source and target (depth_net / semantic_net)
transfer_model = dict(
    type='synthssl.ATDTTransfer',
    transfer=atdt_transfer,
    source_checkpoint=None,
    target_checkpoint=None,
    transfer_level=-1)
