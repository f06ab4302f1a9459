# Paper Tab. 5 (§6.2, SYNTHIA -> Cityscapes, Dep.->Sem.), non-shared N1: N1^A, the depth
# network trained on A only, with stage 1's schedule (150k steps at batch 8) so that it differs
# from N1^{A u B} (depth_AB.py) only in its data. G is trained on its features
# (dep2sem_transfer_nonshared.py); on B, N1^B (depth_B_nonshared.py) replaces it.
_base_ = ['./depth_AB.py']
train_dataloader = dict(dataset=dict(_base_.domain_a_train, _delete_=True))
