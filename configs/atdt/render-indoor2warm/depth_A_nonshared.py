# Paper Tab. 5 (§6.2) on the rendered pair, non-shared N1: N1^A, the depth network trained on
# A only with stage 1's schedule (depth_AB.py's, so only the data differ). G is trained on its
# features (dep2sem_transfer_nonshared.py); on B, N1^B (depth_B_nonshared.py) replaces it.
_base_ = ['./depth_AB.py']
train_dataloader = dict(dataset=dict(_base_.domain_a_train, _delete_=True))
