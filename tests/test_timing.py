"""dlcore.timing: the best of several runs, the devices, and training throughput per device."""

import math

import numpy as np
import pytest

from conftest import cuda_available
from dlcore import timing

torch = pytest.importorskip("torch")


def _batch(N=40, d=6, K=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(N, d)), rng.integers(0, K, size=N)


def test_best_time_is_the_shortest_of_the_runs():
    calls = []
    seconds = timing.best_time(lambda: calls.append(1), repeats=3)
    assert len(calls) == 3 and 0 <= seconds < 1
    with pytest.raises(ValueError, match="repeats"):
        timing.best_time(lambda: None, repeats=0)


# --- devices and throughput ----------------------------------------------------------------


def test_available_devices():
    devices = timing.available_devices()
    assert devices[:2] == ["cpu", "torch"]
    assert ("cuda" in devices) == cuda_available()


def test_time_training_returns_positive_rates():
    X, t = _batch(N=64)
    rates = timing.time_training([6, 8, 3], X, t, ["cpu", "torch"], epochs=1, batch_size=32)
    assert set(rates) == {"cpu", "torch"}
    assert all(math.isfinite(r) and r > 0 for r in rates.values()), rates


@pytest.mark.skipif(cuda_available(), reason="needs a machine without a CUDA GPU")
def test_time_training_refuses_cuda_without_a_gpu():
    X, t = _batch(N=8)
    with pytest.raises(RuntimeError, match="CUDA"):
        timing.time_training([6, 3], X, t, ["cuda"], epochs=1, batch_size=8)


@pytest.mark.cuda
def test_time_training_on_cuda():
    X, t = _batch(N=256)
    rates = timing.time_training([6, 64, 3], X, t, ["cuda"], epochs=1, batch_size=64)
    assert rates["cuda"] > 0


def test_time_training_rejects_bad_options():
    X, t = _batch(N=8)
    with pytest.raises(ValueError, match="epochs"):
        timing.time_training([6, 3], X, t, ["cpu"], epochs=0)


def test_time_training_with_one_thread_restores_torch_threads():
    before = torch.get_num_threads()
    X, t = _batch(N=32)
    rates = timing.time_training([6, 8, 3], X, t, ["cpu", "torch"], epochs=1, batch_size=16, threads=1)
    assert all(r > 0 for r in rates.values())
    assert torch.get_num_threads() == before, "time_training(threads=1) must restore torch's thread count"
    with pytest.raises(ValueError, match="threads"):
        timing.time_training([6, 3], X, t, ["cpu"], threads=0)
    with pytest.raises(ValueError, match="threads"):
        timing.time_training([6, 3], X, t, ["cpu"], threads=True)
