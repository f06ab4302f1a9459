# Copyright (c) synthssl contributors.
"""A stride-2 ConvTranspose2d that runs as GEMMs or plain convolutions under CPU autocast."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class GemmConvTranspose2d(nn.ConvTranspose2d):
    """``nn.ConvTranspose2d`` computed without oneDNN's transposed convolution under CPU
    bfloat16 autocast, for stride 2 and no padding (the Ren & Lee decoder's layers).
    Elsewhere (float32, CUDA, other strides or paddings) exactly ``nn.ConvTranspose2d``.
    Same parameters, state-dict keys and initialisation (it *is* a ConvTranspose2d), the
    same result up to bfloat16 rounding.

    Why: under bf16 autocast oneDNN's transposed convolutions are *slower* than in float32
    (one thread, batch 8, forward + backward, DeconvDecoder at the 99² benchmark crop: 5x5
    64->64 on 23² 28.4 ms vs 16.5 in float32; 3x3 4096->64 on 5² 15.5 ms), and they were a
    third of a bf16 training step of alexnet_3task. Two exact rewrites run faster:

    * GEMM + col2im (kernels up to 4): columns (N, O·k·k, H·W) = Wᵀ x, then ``F.fold``
      with stride 2 adds them into the (N, O, 2H+k-2, 2W+k-2) output: 15.5 -> 9.7 ms
      (4096->64, 3x3), 5.6 -> 2.6 ms (64->64, 3x3), 7.7 -> 4.7 ms (64->3, 3x3).
    * sub-pixel phases (kernels 5 and larger, where the columns get large): output pixel
      (2q+a, 2p+b) only sees kernel taps (a+2i, b+2j), so each of the 4 output phases is a
      stride-1 convolution of the input with the flipped sub-kernel W[:, :, a::2, b::2],
      padded to a full correlation; the phases are interleaved: 28.4 -> 16.0 ms (64->64, 5x5;
      GEMM: 31.2). In float32 both were slower than oneDNN, so float32 stays native.

    Shapes: input (N, C, H, W) -> output (N, O, 2H + k - 2, 2W + k - 2).
    """

    def _rewritable(self, x: torch.Tensor) -> bool:
        return (x.device.type == 'cpu' and torch.is_autocast_enabled('cpu') and
                self.stride == (2, 2) and self.padding == (0, 0) and
                self.output_padding == (0, 0) and self.dilation == (1, 1) and
                self.groups == 1 and self.padding_mode == 'zeros')

    def forward(self, x: torch.Tensor, output_size=None) -> torch.Tensor:
        if output_size is not None or not self._rewritable(x):
            return super().forward(x, output_size)
        dtype = torch.get_autocast_dtype('cpu')
        x = x.to(dtype)
        if max(self.kernel_size) >= 5:
            out = self._phases(x)
        else:
            out = self._gemm_fold(x)
        return out + self.bias.to(out.dtype).view(1, -1, 1, 1) if self.bias is not None \
            else out

    def _gemm_fold(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        kh, kw = self.kernel_size
        # (N, H·W, C) x (C, O·kh·kw) -> (N, O·kh·kw, H·W)
        cols = F.linear(x.flatten(2).transpose(1, 2), self.weight.flatten(1).t()).transpose(1, 2)
        return F.fold(cols, (2 * h + kh - 2, 2 * w + kw - 2), self.kernel_size, stride=2)

    def _phases(self, x: torch.Tensor) -> torch.Tensor:
        n, _, h, w = x.shape
        kh, kw = self.kernel_size
        mh, mw = (kh + 1) // 2, (kw + 1) // 2  # taps of phase 0 (phase 1 has k // 2)
        weight = self.weight.transpose(0, 1)  # (O, C, kh, kw): a convolution's layout
        rows = []
        for a in (0, 1):
            cols = []
            for b in (0, 1):
                sub = weight[:, :, a::2, b::2].flip(2, 3)  # (O, C, th, tw)
                th, tw = sub.shape[-2:]
                y = F.conv2d(x, sub, padding=(th - 1, tw - 1))  # (N, O, H+th-1, W+tw-1)
                cols.append(F.pad(y, (0, mw - tw, 0, mh - th)))  # to (H+mh-1, W+mw-1)
            rows.append(torch.stack(cols, -1))  # (N, O, H+mh-1, W+mw-1, 2)
        out = torch.stack(rows, 3)  # (N, O, H+mh-1, 2, W+mw-1, 2)
        out = out.reshape(n, self.out_channels, 2 * (h + mh - 1), 2 * (w + mw - 1))
        return out[:, :, :2 * h + kh - 2, :2 * w + kw - 2]
