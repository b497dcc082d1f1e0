"""One code path, several backends: numpy, torch on the CPU, and CUDA where present."""

import numpy as np
import pytest

from conftest import cuda_available
from dlcore import MLP, LogisticRegression
from dlcore.backend import resolve_backend, to_numpy
from dlcore.data import make_moons

torch = pytest.importorskip("torch")

TORCH_DEVICES = ["torch", pytest.param("cuda", marks=pytest.mark.cuda)]
CONFIGS = [("tanh", "softmax", "cross_entropy", 0.0), ("relu", "sigmoid", "cross_entropy", 0.01),
           ("sigmoid", "softmax", "mse", 0.1), ("tanh", "identity", "mse", 0.0)]


def problem(output, K=3, N=16, d=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, d))
    T = {"softmax": rng.integers(0, K, N), "sigmoid": rng.integers(0, 2, (N, K)).astype(float),
         "identity": rng.normal(size=(N, K))}[output]
    return X, T


@pytest.mark.parametrize("device", TORCH_DEVICES)
@pytest.mark.parametrize("activation,output,loss,lam", CONFIGS)
def test_torch_backend_gives_the_same_loss_and_gradients_as_numpy(device, activation, output, loss, lam):
    X, T = problem(output)
    models = [MLP([4, 5, 6, 3], activation, output, loss, lam, seed=3, device=d) for d in ("cpu", device)]
    for W_np, W_t in zip(models[0].W[1:], models[1].W[1:]):
        assert isinstance(W_t, torch.Tensor), "the torch backend must hold torch tensors"
        np.testing.assert_array_equal(W_np, to_numpy(W_t), err_msg="same seed must give identical weights")
    assert models[1].loss(X, T) == pytest.approx(models[0].loss(X, T), rel=1e-12)
    (dW_np, db_np), (dW_t, db_t) = models[0].gradients(X, T), models[1].gradients(X, T)
    for l in range(1, models[0].n_layers + 1):
        np.testing.assert_allclose(to_numpy(dW_t[l]), dW_np[l], rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(to_numpy(db_t[l]), db_np[l], rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("device", TORCH_DEVICES)
def test_training_follows_the_same_path_on_every_backend(device):
    X, t = make_moons(n=120, seed=1)
    histories = [MLP([2, 8, 2], seed=0, device=d).fit(X, t, epochs=5, eta=0.2, batch_size=16, progress=False)
                 for d in ("cpu", device)]
    np.testing.assert_allclose(histories[1]["train_loss"], histories[0]["train_loss"], rtol=1e-9)


@pytest.mark.parametrize("device", TORCH_DEVICES)
def test_logistic_regression_runs_on_torch_and_agrees_with_numpy(device):
    X, t = make_moons(n=100, seed=2)
    models = [LogisticRegression(n_classes=2, device=d) for d in ("cpu", device)]
    histories = [m.fit(X, t, eta=0.5, epochs=50, batch_size=10) for m in models]
    np.testing.assert_allclose(histories[1]["loss"], histories[0]["loss"], rtol=1e-10)
    np.testing.assert_allclose(models[1].predict_proba(X), models[0].predict_proba(X), rtol=1e-10)


def test_float32_backend_keeps_float32():
    model = MLP([2, 3, 2], dtype="float32", device="torch")
    assert model.W[1].dtype == torch.float32
    assert MLP([2, 3, 2], dtype="float32").W[1].dtype == np.float32


def test_auto_picks_cuda_exactly_when_present():
    assert resolve_backend("auto").name == ("cuda" if cuda_available() else "cpu")


@pytest.mark.skipif(cuda_available(), reason="this machine has a GPU")
def test_cuda_without_a_gpu_is_a_clear_runtime_error():
    with pytest.raises(RuntimeError, match="asks for a CUDA GPU, but torch sees none"):
        MLP([2, 3, 2], device="cuda")


@pytest.mark.cuda
def test_cuda_model_keeps_its_parameters_on_the_gpu():
    model = MLP([2, 3, 2], device="cuda")
    X, t = make_moons(n=40, seed=0)
    model.fit(X, t, epochs=2, eta=0.1, batch_size=8, progress=False)
    assert all(W.is_cuda and b.is_cuda for W, b in zip(model.W[1:], model.b[1:]))
    assert model.predict(X).shape == (40,)


@pytest.mark.parametrize("device,dtype", [("gpu", "float64"), ("cpu", "float16")])
def test_unknown_device_or_dtype_is_named(device, dtype):
    with pytest.raises(ValueError, match="unknown device 'gpu'|dtype must be one of"):
        resolve_backend(device, dtype)


@pytest.mark.parametrize("shape", [(7, 3), (300, 10), (5, 40), (4, 5, 6)])
@pytest.mark.parametrize("axis", [None, 0, -1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_numpy_namespace_reductions_equal_numpys(shape, axis, keepdims):
    from dlcore.backend import NUMPY

    x = np.random.default_rng(0).normal(size=shape)
    np.testing.assert_allclose(NUMPY.sum(x, axis=axis, keepdims=keepdims), np.sum(x, axis=axis, keepdims=keepdims),
                               rtol=1e-13)
    np.testing.assert_array_equal(NUMPY.max(x, axis=axis, keepdims=keepdims), np.max(x, axis=axis, keepdims=keepdims))


def test_the_numpy_namespace_is_numpy_itself_apart_from_two_faster_reductions():
    from dlcore.backend import NUMPY

    replaced = sorted(name for name, value in vars(NUMPY).items() if getattr(np, name, None) is not value)
    assert replaced == ["max", "sum"], f"only sum and max may differ from numpy's own functions; got {replaced}"
    x = np.arange(12.0).reshape(3, 4)
    assert NUMPY.sum(x, axis=-1, dtype=np.float32).dtype == np.float32, "sum must keep numpy's dtype argument"
    assert NUMPY.sum(x, axis=0, where=x > 3).tolist() == np.sum(x, axis=0, where=x > 3).tolist()
