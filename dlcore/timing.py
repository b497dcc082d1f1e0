"""Timing: the best of several runs, the devices this machine offers, and training throughput per device.

Timings on a CPU depend on how many threads numpy's BLAS and torch use; :func:`cpu_threads` fixes
that number for a block, and :func:`time_training` waits for a GPU's queue before reading the clock.
"""

from __future__ import annotations

import time
from contextlib import contextmanager

import numpy as np

from .checks import check_count, check_X
from .mlp import MLP


def best_time(function, repeats: int = 1) -> float:
    """The shortest wall-clock time in seconds of ``repeats`` calls of ``function()``."""
    best = np.inf
    for _ in range(check_count("repeats", repeats)):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def available_devices() -> list:
    """The dlcore devices this machine can run: ``'cpu'`` (numpy), ``'torch'`` (CPU) and ``'cuda'`` if torch sees a GPU."""
    devices = ["cpu"]
    try:
        import torch
    except ImportError:
        return devices
    devices.append("torch")
    if torch.cuda.is_available():
        devices.append("cuda")
    return devices


@contextmanager
def cpu_threads(threads):
    """Limit numpy's BLAS and torch's intra-op threads to ``threads`` (a positive int) inside the block; None: no change."""
    if threads is None:
        yield
        return
    threads = check_count("threads (or None)", threads)
    import torch
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        with threadpool_limits(limits=threads, user_api="blas"):
            yield
    finally:
        torch.set_num_threads(before)


def time_training(sizes, X, t, devices, epochs: int = 2, batch_size: int = 256, eta: float = 0.01,
                  activation: str = "tanh", repeats: int = 1, threads=None, seed: int = 0) -> dict:
    """Training throughput of the same MLP (float32, same seeded weights) on each device: ``{device: samples/s}``.

    For each device, one warm-up epoch, then the best of ``repeats`` timed runs of ``epochs`` epochs of
    minibatch SGD; samples/s is ``N * epochs / seconds``. ``threads`` (an int) limits numpy's BLAS and
    torch's CPU threads while timing (None: leave them). Raises for 'cuda' when torch sees no GPU.
    """
    epochs, batch_size = check_count("epochs", epochs), check_count("batch_size", batch_size)
    repeats = check_count("repeats", repeats)
    if threads is not None:
        check_count("threads (or None)", threads)
    X = check_X(X, sizes[0])
    throughput = {}
    with cpu_threads(threads):
        for device in devices:
            model = MLP(sizes, activation=activation, seed=seed, device=device, dtype="float32")
            model.fit(X, t, epochs=1, eta=eta, batch_size=batch_size, progress=False)  # warm-up
            seconds = min(_timed_fit(model, X, t, epochs, eta, batch_size) for _ in range(repeats))
            throughput[device] = len(X) * epochs / seconds
    return throughput


def _timed_fit(model, X, t, epochs, eta, batch_size) -> float:
    """Seconds for ``model.fit`` of ``epochs`` epochs, with the GPU's queue emptied before and after."""
    _synchronise(model)
    start = time.perf_counter()
    model.fit(X, t, epochs=epochs, eta=eta, batch_size=batch_size, progress=False)
    _synchronise(model)
    return time.perf_counter() - start


def _synchronise(model) -> None:
    """Wait for a CUDA model's queued kernels to finish (no-op on the CPU)."""
    if not model.backend.is_numpy and model.backend.device.type == "cuda":
        import torch

        torch.cuda.synchronize(model.backend.device)
