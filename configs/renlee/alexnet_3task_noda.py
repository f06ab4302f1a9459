# Table 3 ablation: three tasks, no domain adaptation (synthetic images only, one Adam
# optimiser, mmengine's default train_step and DDP wrapper).
_base_ = './alexnet_3task.py'
model = dict(discriminator=None)
model_wrapper_cfg = None
# mmengine's InfiniteSampler: the base's EpochEncodedInfiniteSampler yields pass * N + i,
# which only SynRealPairDataset decodes (a plain dataset fails after its first pass)
train_dataloader = dict(
    sampler=dict(_delete_=True, type='InfiniteSampler', shuffle=True),
    dataset=dict(_delete_=True, type='SyntheticMultiTaskDataset',
                 data_root={{_base_.syn_root}}, pipeline={{_base_.syn_pipeline}}))
optim_wrapper = dict(
    _delete_=True, type='OptimWrapper',
    optimizer=dict(type='Adam', lr=1e-3, betas=(0.5, 0.999), fused=True))
param_scheduler = [dict(type='MultiStepLR', by_epoch=False, milestones=[80400, 120600],
                        gamma=0.1)]
