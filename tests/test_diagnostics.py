"""dlcore.diagnostics: counts, per-layer diagnostics, the sawtooth construction and the timing helper."""

import math

import numpy as np
import pytest
import torch

from dlcore import MLP
from dlcore import diagnostics as dg
from dlcore.checks import one_hot


def cuda_available() -> bool:
    return torch.cuda.is_available()


def _batch(N=40, d=6, K=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(N, d)), rng.integers(0, K, size=N)


# --- counting ------------------------------------------------------------------------------


@pytest.mark.parametrize("sizes", [[2, 3, 1], [2, 32, 3], [2, 8, 8, 8, 3], [64, 21, 21, 21, 10], [5, 1]])
def test_count_parameters_matches_the_arrays_the_mlp_allocates(sizes):
    allocated = dg.model_parameter_count(MLP(sizes))
    assert dg.count_parameters(sizes) == allocated, f"{sizes}: formula {dg.count_parameters(sizes)} != allocated {allocated}"


def test_count_parameters_by_hand():
    assert dg.count_parameters([2, 3, 1]) == 3 * 3 + 1 * 4 == 13, "sum_l M_l (M_(l-1) + 1) for [2, 3, 1] is 13"
    assert dg.count_parameters([2, 32, 3]) == dg.count_parameters([2, 8, 8, 8, 3]) == 195


@pytest.mark.parametrize("sizes", [[3], [2, 0, 1], [2.0, 3], "23"])
def test_count_parameters_rejects_bad_sizes(sizes):
    with pytest.raises(ValueError, match="sizes"):
        dg.count_parameters(sizes)


def test_width_for_budget_returns_the_nearest_width():
    for d, K, n_hidden, budget in [(2, 3, 1, 195), (2, 3, 3, 195), (64, 10, 3, 2500), (64, 10, 1, 1000)]:
        width = dg.width_for_budget(d, K, n_hidden, budget)
        error = abs(dg.count_parameters([d] + [width] * n_hidden + [K]) - budget)
        for other in (width - 1, width + 1):
            if other >= 1:
                other_error = abs(dg.count_parameters([d] + [other] * n_hidden + [K]) - budget)
                assert error <= other_error, f"width {other} is nearer the budget {budget} than {width}"
    assert dg.width_for_budget(2, 3, 1, 195) == 32 and dg.width_for_budget(2, 3, 3, 195) == 8


def test_width_for_budget_rejects_bad_input():
    with pytest.raises(ValueError, match="budget"):
        dg.width_for_budget(2, 3, 1, 0)


def test_forward_macs_per_layer():
    macs = dg.forward_macs([4, 5, 3], N=7)
    assert macs.tolist() == [7 * 4 * 5, 7 * 5 * 3], f"expected N M_(l-1) M_l per layer, got {macs}"
    with pytest.raises(ValueError, match="N"):
        dg.forward_macs([4, 5, 3], N=0)


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_counted_matmul_flops_match_the_formulas(activation):
    sizes, (X, t) = [6, 9, 5, 3], _batch()
    model = MLP(sizes, activation=activation)
    assert dg.counted_matmul_flops(model, X) == 2 * dg.forward_macs(sizes, len(X)).sum()
    assert dg.counted_matmul_flops(model, X, t) == len(X) * dg.sgd_step_flops(sizes)


def test_counted_matmul_flops_needs_a_numpy_model():
    with pytest.raises(ValueError, match="device='cpu'"):
        dg.counted_matmul_flops(MLP([6, 3], device="torch"), _batch()[0])


# --- per-layer diagnostics -----------------------------------------------------------------


def test_layer_deltas_give_the_models_gradients():
    X, t = _batch()
    model = MLP([6, 8, 7, 3], activation="tanh", seed=1)
    a, z, deltas = dg.layer_deltas(model, X, t)
    assert [v.shape for v in deltas] == [(40, 8), (40, 7), (40, 3)]
    for l, (dW, db) in enumerate(model.gradients(X, t), start=1):
        np.testing.assert_allclose(deltas[l - 1].T @ z[l - 1] / len(X), dW, rtol=1e-10, atol=1e-14,
                                   err_msg=f"delta^{l}.T z^{l - 1} / N should be dE/dW^{l}")
    np.testing.assert_allclose(deltas[-1], model.predict_proba(X) - one_hot(t, 3), atol=1e-12,
                               err_msg="softmax + cross-entropy: delta^L = y - t")


def test_layer_gradient_norms_vanish_in_a_deep_sigmoid_net_but_not_with_relu():
    X, t = _batch(N=64, d=10)
    sigmoid = dg.gradient_norms_by_depth(X, t, [6], width=32, activation="sigmoid")[6]
    relu = dg.gradient_norms_by_depth(X, t, [6], width=32, activation="relu", init="he")[6]
    assert sigmoid.shape == (7,)
    assert sigmoid[0] < 1e-2 * sigmoid[-1], f"sigmoid: first-layer gradient {sigmoid[0]} not << last {sigmoid[-1]}"
    assert relu[0] > 1e-1 * relu[-1], f"ReLU/He: first-layer gradient {relu[0]} should stay of the order of the last {relu[-1]}"
    np.testing.assert_allclose(dg.layer_gradient_norms(MLP([10, 4, 3]), X, t),
                               [np.linalg.norm(dW) for dW, _ in MLP([10, 4, 3]).gradients(X, t)])


def test_activation_statistics_follow_the_variance_formula():
    X = np.random.default_rng(0).normal(size=(400, 32))
    for activation, init in [("tanh", "xavier"), ("relu", "he")]:
        stats = dg.activation_statistics(MLP([32, 256, 256, 256, 4], activation=activation, init=init), X)
        ratio = stats["var_a"][:-1] / stats["predicted_var_a"][:-1]
        assert np.all(np.abs(ratio - 1) < 0.2), f"{activation}: Var(a^l) / (M Var(w) E[z^2]) = {ratio}"
    assert stats["fan_in"].tolist() == [32, 256, 256, 256]
    assert math.isnan(stats["saturated"][-1])


def test_activation_statistics_see_saturation_and_vanishing():
    X = np.random.default_rng(0).normal(size=(200, 32))
    large = dg.activation_statistics(MLP([32, 128, 128, 4], activation="tanh", init=1.0), X)
    small = dg.activation_statistics(MLP([32, 128, 128, 4], activation="tanh", init=0.01), X)
    assert large["saturated"][1] > 0.5, "std 1 should saturate most tanh units"
    assert small["var_a"][2] < 1e-3 * small["var_a"][0], "std 0.01 should make Var(a^l) vanish"


def test_mean_error_leaves_out_the_weight_decay_penalty():
    X, t = _batch()
    model = MLP([6, 5, 3], weight_decay=0.5)
    penalty = 0.25 * sum(float(np.sum(W * W)) for W, _ in model.parameters)
    assert math.isclose(dg.mean_error(model, X, t) + penalty, model.loss(X, t), rel_tol=1e-12)


def test_plot_per_layer_draws_one_line_per_series():
    import matplotlib.pyplot as plt

    ax = dg.plot_per_layer({"a": [1.0, 0.1], "b": [1.0, 2.0, 3.0]}, ylabel="norm", title="t")
    assert len(ax.lines) == 2 and ax.get_yscale() == "log" and ax.get_xlabel() == "layer $l$"
    plt.close(ax.figure)


# --- experiments ---------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [1, 2, 3, 5])
def test_sawtooth_has_two_to_the_depth_pieces(depth):
    model = MLP([1] + [2] * depth + [1], activation="relu", output="identity", loss="mse")
    model.parameters = dg.sawtooth_parameters(depth)
    y = model.predict_proba(np.linspace(0, 1, 20_001)[:, None])[:, 0]
    assert dg.count_monotone_pieces(y) == 2**depth
    assert y.min() >= 0 and y.max() <= 1 + 1e-12, "the composed tent map maps [0, 1] into [0, 1]"


def test_sawtooth_rejects_bad_depth():
    with pytest.raises(ValueError, match="depth"):
        dg.sawtooth_parameters(0)


def test_count_monotone_pieces():
    assert dg.count_monotone_pieces([0, 1, 2, 1, 0]) == 2
    assert dg.count_monotone_pieces([0, 1, 1, 2]) == 1, "flat steps do not start a new piece"
    assert dg.count_monotone_pieces([3, 3, 3]) == 1
    with pytest.raises(ValueError, match="1-D"):
        dg.count_monotone_pieces([[0, 1]])


def test_depth_width_experiment_trains_every_architecture_for_every_seed():
    X, t = _batch(N=60, d=2)
    runs = dg.depth_width_experiment([[2, 6, 3], [2, 3, 3, 3]], X, t, X, t, seeds=(0, 1), epochs=2, eta=0.1, batch_size=20)
    assert list(runs) == [(2, 6, 3), (2, 3, 3, 3)]
    for sizes, results in runs.items():
        assert [r["config"]["seed"] for r in results] == [0, 1]
        assert all(r["n_parameters"] == dg.count_parameters(sizes) for r in results)
        assert all(0 <= r["test_accuracy"] <= 1 and len(r["history"]["train_loss"]) == 2 for r in results)


# --- devices and throughput ----------------------------------------------------------------


def test_available_devices():
    devices = dg.available_devices()
    assert devices[:2] == ["cpu", "torch"]
    assert ("cuda" in devices) == cuda_available()


def test_time_training_returns_positive_rates():
    X, t = _batch(N=64)
    rates = dg.time_training([6, 8, 3], X, t, ["cpu", "torch"], epochs=1, batch_size=32)
    assert set(rates) == {"cpu", "torch"}
    assert all(math.isfinite(r) and r > 0 for r in rates.values()), rates


@pytest.mark.skipif(cuda_available(), reason="needs a machine without a CUDA GPU")
def test_time_training_refuses_cuda_without_a_gpu():
    X, t = _batch(N=8)
    with pytest.raises(RuntimeError, match="CUDA"):
        dg.time_training([6, 3], X, t, ["cuda"], epochs=1, batch_size=8)


@pytest.mark.skipif(not cuda_available(), reason="needs a CUDA GPU")
def test_time_training_on_cuda():
    X, t = _batch(N=256)
    rates = dg.time_training([6, 64, 3], X, t, ["cuda"], epochs=1, batch_size=64)
    assert rates["cuda"] > 0


def test_time_training_rejects_bad_options():
    X, t = _batch(N=8)
    with pytest.raises(ValueError, match="epochs"):
        dg.time_training([6, 3], X, t, ["cpu"], epochs=0)


def test_time_training_with_one_thread_restores_torch_threads():
    before = torch.get_num_threads()
    X, t = _batch(N=32)
    rates = dg.time_training([6, 8, 3], X, t, ["cpu", "torch"], epochs=1, batch_size=16, threads=1)
    assert all(r > 0 for r in rates.values())
    assert torch.get_num_threads() == before, "time_training(threads=1) must restore torch's thread count"
    with pytest.raises(ValueError, match="threads"):
        dg.time_training([6, 3], X, t, ["cpu"], threads=0)
