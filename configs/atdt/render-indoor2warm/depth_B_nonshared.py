# Paper Tab. 5 (§6.2) on the rendered pair, non-shared N1: N1^B, the depth network trained on
# B only (stage 1's schedule), validated and tested on B. It encodes the B images for G in
# dep2sem_transfer_nonshared.py.
_base_ = ['./depth_AB.py']
train_dataloader = dict(dataset=dict(_base_.domain_b_train, _delete_=True))
val_dataloader = dict(dataset=dict(_base_.domain_b_val, _delete_=True))
