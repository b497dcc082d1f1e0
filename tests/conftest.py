"""Shared fixtures: matplotlib without a display, and the CUDA marker."""

import matplotlib
import pytest

matplotlib.use("Agg")


def cuda_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


requires_cuda = pytest.mark.skipif(not cuda_available(), reason="needs a CUDA GPU")
