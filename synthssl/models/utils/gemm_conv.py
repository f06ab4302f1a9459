# Copyright (c) synthssl contributors.
"""A Conv2d that runs as one matrix product on the CPU (im2col + GEMM)."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class GemmConv2d(nn.Conv2d):
    """``nn.Conv2d`` computed as ``unfold`` + one ``linear`` on the CPU where that is faster:
    under CPU autocast (bfloat16), and for a 1x1 convolution (no unfold) in float32.
    Elsewhere (CUDA, a float32 kxk kernel) exactly ``nn.Conv2d``. Same parameters, state-dict
    keys and initialisation (it *is* a Conv2d), the same result up to float rounding.

    Why: SynthAlexNet's fc6 (6x6, dilation 2, padding 5) and fc7 (1x1, 4096 -> 4096) run on
    small maps (5x5 at the CPU benchmark's 99² crop, 13x13 at 227²). Under bfloat16 autocast
    oneDNN's dilated fc6 is *slower* than float32, and fc7 reaches a fraction of the bf16
    GEMM peak; as one (N·L, C·kh·kw) x (C·kh·kw, O) product they run at the GEMM's speed
    (one thread, batch 8, forward + backward: fc6 1294 -> 438 ms at 99², 2288 -> 1448 ms at
    227²; fc7 455 -> 180 ms; float32 fc7 725 -> 318 ms; float32 fc6 stays a convolution, its
    im2col path is as fast at 99² and faster at 227²). tools/benchmarks/conv_layers_bf16.py.

    Shapes: input (N, C, H, W) -> columns (N, L, C·kh·kw) with L = H_out·W_out -> output
    (N, O, H_out, W_out).
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.device.type != 'cpu' or self.groups != 1 or self.padding_mode != 'zeros' or \
                isinstance(self.padding, str):
            return super().forward(x)
        (kh, kw), (sh, sw), (ph, pw), (dh, dw) = (self.kernel_size, self.stride, self.padding,
                                                  self.dilation)
        pointwise = (kh, kw, sh, sw, ph, pw) == (1, 1, 1, 1, 0, 0)
        if torch.is_autocast_enabled('cpu'):
            x = x.to(torch.get_autocast_dtype('cpu'))  # unfold (and its fold) in bf16
        elif not pointwise:
            return super().forward(x)
        n, _, h, w = x.shape
        oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
        ow = (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
        if pointwise:
            cols = x.flatten(2)  # (N, C, L)
        else:
            cols = F.unfold(x, self.kernel_size, dilation=self.dilation,
                            padding=self.padding, stride=self.stride)  # (N, C·kh·kw, L)
        out = F.linear(cols.transpose(1, 2), self.weight.flatten(1), self.bias)  # (N, L, O)
        return out.transpose(1, 2).reshape(n, self.out_channels, oh, ow)
