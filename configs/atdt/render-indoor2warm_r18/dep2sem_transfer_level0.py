# Paper Fig. 4 (§6.1) with the ResNet-18 task networks: G between the outputs of residual
# stage 1 of 4 (ResNet-18 layer1, 64 channels) instead of the last one
# (dep2sem_transfer.py); N1, N2 as for the main result.
_base_ = ['./dep2sem_transfer.py']
model = dict(transfer_level=0, transfer=dict(in_channels=64, out_channels=64))
