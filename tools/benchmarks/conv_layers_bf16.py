# Copyright (c) synthssl contributors.
"""Where bf16 autocast loses on the CPU: SynthAlexNet's convolutions one by one, float32 vs
bfloat16 autocast, forward and backward (input and weight gradients), at the pretraining
benchmark's batch and crop (tools/benchmarks/pretrain_throughput.py). Prints JSON. fc6/fc7
are GemmConv2d: they are timed as built and as a plain ``nn.Conv2d`` (``<name>@conv2d``),
which is why they are GEMMs.

    OMP_NUM_THREADS=1 python tools/benchmarks/conv_layers_bf16.py [--batch 8] [--size 99]

Every layer gets its real input shape (a forward pass with hooks); fp32 and bf16 alternate,
``--repeats`` times each, and the median milliseconds and the bf16/fp32 time ratios are
reported per layer and summed, next to the process's fp32 / bf16 2048² matmul peak.
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn


def matmul_gflops(dtype: torch.dtype, n: int = 2048, reps: int = 3) -> float:
    a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
    a @ b
    t = time.perf_counter()
    for _ in range(reps):
        a @ b
    return 2 * n ** 3 * reps / (time.perf_counter() - t) / 1e9


def layer_inputs(batch: int, size: int) -> list:
    """(name, Conv2d, input shape) for every convolution of SynthAlexNet."""
    from synthssl.models.backbones.synth_alexnet import SynthAlexNet
    net = SynthAlexNet(out_indices=(6, ))
    net.eval()
    shapes = []
    hooks = [m.register_forward_hook(
        lambda m, i, o, name=name: shapes.append((name, m, tuple(i[0].shape))))
        for name, m in net.named_modules() if isinstance(m, nn.Conv2d)]
    with torch.no_grad():
        net(torch.randn(batch, 3, size, size))
    for h in hooks:
        h.remove()
    return shapes


def time_layer(conv: nn.Conv2d, shape: tuple, bf16: bool, iters: int,
               plain: bool = False) -> dict:
    x = torch.randn(shape, requires_grad=True)

    def fwd():
        with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
            return nn.Conv2d.forward(conv, x) if plain else conv(x)

    y = fwd()
    g = torch.randn_like(y)
    y.backward(g)  # warm-up: oneDNN primitive creation
    tf = tb = 0.
    for _ in range(iters):
        conv.zero_grad(set_to_none=True)
        x.grad = None
        t0 = time.perf_counter()
        y = fwd()
        t1 = time.perf_counter()
        y.backward(g)
        t2 = time.perf_counter()
        tf, tb = tf + t1 - t0, tb + t2 - t1
    flop = 2 * y.numel() * conv.in_channels * conv.kernel_size[0] * conv.kernel_size[1]
    return dict(forward_ms=1e3 * tf / iters, backward_ms=1e3 * tb / iters,
                forward_gflops=flop / (tf / iters) / 1e9,
                backward_gflops=2 * flop / (tb / iters) / 1e9)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--size', type=int, default=99)
    parser.add_argument('--iters', type=int, default=3)
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--threads', type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    from synthssl.models.utils import GemmConv2d
    layers = []
    for name, conv, shape in layer_inputs(args.batch, args.size):
        layers.append((name, conv, shape, False))
        if isinstance(conv, GemmConv2d):
            layers.append((name + '@conv2d', conv, shape, True))
    runs = {name: {'fp32': [], 'bf16': []} for name, _, _, _ in layers}
    for _ in range(args.repeats):
        for name, conv, shape, plain in layers:
            for prec in ('fp32', 'bf16'):
                runs[name][prec].append(
                    time_layer(conv, shape, prec == 'bf16', args.iters, plain))
    out = dict(batch=args.batch, size=args.size, threads=args.threads, repeats=args.repeats,
               torch=torch.__version__,
               matmul_peak_gflops=dict(fp32=round(matmul_gflops(torch.float32), 1),
                                       bf16=round(matmul_gflops(torch.bfloat16), 1)),
               layers={})
    total = {p: {'forward_ms': 0., 'backward_ms': 0.} for p in ('fp32', 'bf16')}
    for name, conv, shape, plain in layers:
        row = dict(input=list(shape), kernel=list(conv.kernel_size),
                   dilation=list(conv.dilation))
        for prec in ('fp32', 'bf16'):
            med = {k: statistics.median(r[k] for r in runs[name][prec])
                   for k in runs[name][prec][0]}
            row[prec] = {k: round(v, 1) for k, v in med.items()}
            for k in total[prec]:
                total[prec][k] += 0. if plain else med[k]  # the network as built
        row['bf16_over_fp32_time'] = {
            k: round(row['bf16'][k] / row['fp32'][k], 2) for k in ('forward_ms', 'backward_ms')}
        out['layers'][name] = row
    out['total_ms'] = {p: {k: round(v, 1) for k, v in t.items()} for p, t in total.items()}
    out['total_bf16_over_fp32_time'] = {
        k: round(total['bf16'][k] / total['fp32'][k], 2) for k in ('forward_ms', 'backward_ms')}
    print(json.dumps(out, indent=1))


if __name__ == '__main__':
    main()
