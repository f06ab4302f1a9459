# Paper Tab. 5 (§6.2), non-shared N1: N1^B, the depth network trained on B only (Cityscapes
# depth proxies; 150k steps at batch 8 like N1^{A u B}), validated and tested on B. It
# encodes the B images for G in dep2sem_transfer_nonshared.py.
_base_ = ['./depth_AB.py']
train_dataloader = dict(dataset=dict(_base_.domain_b_train, _delete_=True))
val_dataloader = dict(dataset=dict(_base_.domain_b_val, _delete_=True))
