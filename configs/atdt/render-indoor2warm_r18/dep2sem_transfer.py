# ../render-indoor2warm/dep2sem_transfer.py between the ResNet-18 task networks of this
# folder: G maps their 512-channel encoder outputs (residual stage 4; 512 channels inside,
# as there).
_base_ = ['../render-indoor2warm/dep2sem_transfer.py']
r18 = dict(backbone=dict(depth=18), decode_head=dict(in_channels=512))
model = dict(source=r18, target=r18, transfer=dict(in_channels=512, out_channels=512))
