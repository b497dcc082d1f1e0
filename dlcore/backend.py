"""Array backends: one code path for numpy and torch, on the CPU or a CUDA GPU.

The numerics of :mod:`dlcore` are written once against an *array namespace*
``xp`` (the Python array API standard). numpy 2 is such a namespace itself (used as :data:`NUMPY`);
torch is wrapped by ``array_api_compat.torch``. A model picks its backend from
its ``device`` argument:

=================  ==============================================
``device``         arrays
=================  ==============================================
``'cpu'``          numpy, on the CPU
``'torch'``        torch tensors on the CPU (also ``'torch:cpu'``)
``'cuda'``         torch tensors on a CUDA GPU (also ``'cuda:1'``)
``'auto'``         ``'cuda'`` where torch sees a GPU, else ``'cpu'``
=================  ==============================================

Random numbers are always drawn by numpy and then moved to the device, so a
seed gives identical weights on every backend.
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from typing import Any

import numpy as np

DTYPES = ("float32", "float64")


SHORT_AXIS = 16


def _fast_short_axis(reduction, ufunc):
    """``reduction`` (``np.sum`` or ``np.max``) with the array API's signature, faster over a short last axis.

    numpy reduces the last axis of an ``(N, K)`` array row by row, which for K = 10 classes is
    several times slower than reducing its transposed copy across rows (vectorised over N), and
    ``np.sum``/``np.max`` add one to two microseconds of Python dispatch to ``ufunc.reduce``. Softmax,
    log-softmax, the cross-entropy and ``dE/db`` reduce at every step: at batch 32 on the digits
    network that dispatch and the row-by-row reduction are a tenth of the step (``make bench``,
    target (b)). A call with any other option (``dtype``, ``out``, ``where``, ...) or on anything
    but a plain ``ndarray`` is numpy's own function, unchanged.
    """

    def reduce(x, /, *, axis=None, keepdims=False, **options):
        if options or type(x) is not np.ndarray:
            return reduction(x, axis=axis, keepdims=keepdims, **options)
        if x.ndim == 2 and axis in (-1, 1) and x.shape[1] <= SHORT_AXIS:
            r = ufunc.reduce(np.ascontiguousarray(x.T), axis=0)
            return r[:, None] if keepdims else r
        return ufunc.reduce(x, axis=axis, keepdims=keepdims)

    reduce.__name__, reduce.__doc__ = reduction.__name__, reduction.__doc__
    return reduce


def _numpy_namespace():
    """numpy 2 as the array namespace (it implements the array API standard), with ``sum`` and ``max``
    sped up over a short last axis (see :func:`_fast_short_axis`); every other name is numpy's own."""
    xp = types.SimpleNamespace(**vars(np))
    xp.sum = _fast_short_axis(np.sum, np.add)
    xp.max = _fast_short_axis(np.max, np.maximum)
    return xp


NUMPY = _numpy_namespace()


@dataclass(frozen=True)
class Backend:
    """Where a model's arrays live: namespace ``xp``, ``device`` and ``dtype``."""

    name: str
    xp: Any
    device: Any
    dtype: Any

    @property
    def is_numpy(self) -> bool:
        return self.xp is NUMPY

    def asarray(self, x, dtype=None):
        """``x`` (numpy, list or tensor) as an array of this backend (a copy where needed)."""
        dtype = self.dtype if dtype is None else dtype
        if self.is_numpy:
            return np.asarray(to_numpy(x), dtype=dtype)
        if not isinstance(x, self.xp.Tensor):
            x = np.asarray(x)
        return self.xp.asarray(x, dtype=dtype, device=self.device)

    def from_numpy(self, x: np.ndarray):
        """A float numpy array (e.g. seeded random weights) moved onto this backend."""
        return self.asarray(np.ascontiguousarray(x))


def get_namespace(x):
    """The array namespace of ``x``: :data:`NUMPY` for numpy arrays and numbers, array-api-compat's otherwise."""
    if type(x) is np.ndarray or isinstance(x, (int, float, np.generic)):
        return NUMPY
    import array_api_compat

    return array_api_compat.array_namespace(x)


def to_numpy(x) -> np.ndarray:
    """``x`` as a numpy array, also from a CUDA tensor (``np.asarray`` cannot do that)."""
    if isinstance(x, np.ndarray):
        return x
    if hasattr(x, "detach"):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def resolve_backend(device: str = "cpu", dtype: str = "float64") -> Backend:
    """The :class:`Backend` for a ``device`` string and a ``dtype`` name (see module docstring)."""
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {DTYPES}; got {dtype!r}")
    if not isinstance(device, str):
        raise ValueError(f"device must be a string such as 'cpu', 'torch', 'cuda' or 'auto'; got {device!r}")
    if device == "auto":
        device = "cuda" if _cuda_available() else "cpu"
    if device == "cpu":
        return Backend("cpu", NUMPY, "cpu", getattr(np, dtype))
    if device in ("torch", "torch:cpu"):
        return _torch_backend("torch", "cpu", dtype)
    if device == "cuda" or device.startswith("cuda:"):
        if not _cuda_available():
            raise RuntimeError(
                f"device={device!r} asks for a CUDA GPU, but torch sees none "
                "(torch.cuda.is_available() is False); use device='cpu', 'torch' or 'auto'"
            )
        return _torch_backend(device, device, dtype)
    raise ValueError(f"unknown device {device!r}; expected 'cpu', 'torch', 'torch:cpu', 'cuda', 'cuda:N' or 'auto'")


def _torch_backend(name: str, device: str, dtype: str) -> Backend:
    import array_api_compat.torch as xp
    import torch

    return Backend(name, xp, torch.device(device), getattr(torch, dtype))


def _cuda_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()
