# Copyright (c) synthssl contributors.
"""A FIFO queue of negative keys for InfoNCE (MoCo/CSG), gathered across processes."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine import dist


class ContrastiveQueue(nn.Module):
    """``K`` unit-length keys of dimension ``dim`` with a write pointer.

    Unlike mmpretrain's MoCo (which asserts ``K % batch == 0``), any number of keys can be
    enqueued: writes wrap around the end of the queue, and when more than ``K`` keys arrive
    at once only the newest ``K`` are kept. Under DDP the keys of all processes are gathered
    first (rank order), so every process holds the same queue. The queue starts as random
    unit vectors (MoCo/CSG) and lives in buffers, so it is checkpointed with the model.

    Note:
        The released CSG code (``_dequeue_and_enqueue``) writes ``keys[:overflow]`` at the
        start of the queue on wrap-around, i.e. the *first* keys of the batch a second time,
        and drops the last ones; here the wrapped part is the tail of the batch.

    Args:
        length (int): K, the number of stored keys. Defaults to 65536.
        dim (int): key dimension. Defaults to 128.
    """

    def __init__(self, length: int = 65536, dim: int = 128) -> None:
        super().__init__()
        if length <= 0 or dim <= 0:
            raise ValueError(f'ContrastiveQueue: length and dim must be > 0, got {length}, {dim}')
        self.length, self.dim = length, dim
        self.register_buffer('queue', F.normalize(torch.randn(length, dim), dim=1))
        self.register_buffer('ptr', torch.zeros((), dtype=torch.long))
        #: keys enqueued so far over all processes (for logging and tests)
        self.register_buffer('num_enqueued', torch.zeros((), dtype=torch.long))

    @staticmethod
    @torch.no_grad()
    def gather(keys: torch.Tensor) -> torch.Tensor:
        """(n, D) local keys -> (sum of n over ranks, D) in rank order; any n per rank."""
        if dist.get_world_size() == 1:
            return keys
        sizes = dist.all_gather(torch.tensor([keys.shape[0]], device=keys.device))
        sizes = [int(s.item()) for s in sizes]
        padded = keys.new_zeros((max(sizes), keys.shape[1]))
        padded[:keys.shape[0]] = keys
        parts = dist.all_gather(padded)
        return torch.cat([p[:n] for p, n in zip(parts, sizes)], dim=0)

    @torch.no_grad()
    def enqueue(self, keys: torch.Tensor, gather: bool = True) -> None:
        """Write (n, D) keys at the pointer (after gathering them over processes).

        Args:
            keys (Tensor): (n, D) keys, normalised by the caller.
            gather (bool): gather over processes first. Defaults to True.
        """
        if keys.dim() != 2 or keys.shape[1] != self.dim:
            raise ValueError(f'ContrastiveQueue.enqueue: expected (n, {self.dim}) keys, '
                             f'got {tuple(keys.shape)}')
        keys = keys.detach()
        if gather:
            keys = self.gather(keys)
        n = keys.shape[0]
        if n == 0:
            return
        ptr = int(self.ptr)
        start = ptr
        if n > self.length:  # only the newest K survive; they end where the pointer lands
            start = (ptr + n - self.length) % self.length
            keys = keys[-self.length:]
        idx = (start + torch.arange(keys.shape[0], device=keys.device)) % self.length
        self.queue[idx] = keys.to(self.queue.dtype)
        self.ptr.fill_((ptr + n) % self.length)
        self.num_enqueued.add_(n)

    def extra_repr(self) -> str:
        return f'length={self.length}, dim={self.dim}'
