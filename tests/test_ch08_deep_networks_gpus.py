"""dlcore.chapters.ch08_deep_networks_gpus: per-layer diagnostics, width for a budget, the sawtooth, the experiments, pre-training."""

import math

import numpy as np
import pytest

from dlcore import MLP
from dlcore.chapters import ch08_deep_networks_gpus as dg
from dlcore.checks import one_hot
from dlcore.counting import n_parameters


def _batch(N=40, d=6, K=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(N, d)), rng.integers(0, K, size=N)


# --- parameter budgets ----------------------------------------------------------------------


def test_width_for_budget_returns_the_nearest_width():
    for d, K, n_hidden, budget in [(2, 3, 1, 195), (2, 3, 3, 195), (64, 10, 3, 2500), (64, 10, 1, 1000)]:
        width = dg.width_for_budget(d, K, n_hidden, budget)
        error = abs(n_parameters([d] + [width] * n_hidden + [K]) - budget)
        for other in (width - 1, width + 1):
            if other >= 1:
                other_error = abs(n_parameters([d] + [other] * n_hidden + [K]) - budget)
                assert error <= other_error, f"width {other} is nearer the budget {budget} than {width}"
    assert dg.width_for_budget(2, 3, 1, 195) == 32 and dg.width_for_budget(2, 3, 3, 195) == 8


def test_width_for_budget_rejects_bad_input():
    with pytest.raises(ValueError, match="budget"):
        dg.width_for_budget(2, 3, 1, 0)
    with pytest.raises(ValueError, match="n_hidden"):
        dg.width_for_budget(2, 3, True, 100)


# --- per-layer diagnostics -----------------------------------------------------------------


def test_layer_deltas_give_the_models_gradients():
    X, t = _batch()
    model = MLP([6, 8, 7, 3], activation="tanh", seed=1)
    a, z, delta = dg.layer_deltas(model, X, t)
    assert a[0] is None and delta[0] is None and z[0] is not None, "lists indexed by layer: a[0] = delta[0] = None"
    assert [v.shape for v in delta[1:]] == [(40, 8), (40, 7), (40, 3)]
    dW, db = model.gradients(X, t)
    for l in range(1, 4):
        np.testing.assert_allclose(delta[l].T @ z[l - 1] / len(X), dW[l], rtol=1e-10, atol=1e-14,
                                   err_msg=f"delta^{l}.T z^{l - 1} / N should be dE/dW^{l}")
        np.testing.assert_allclose(delta[l].sum(axis=0) / len(X), db[l], rtol=1e-10, atol=1e-14,
                                   err_msg=f"sum_n delta^{l}_n / N should be dE/db^{l}")
    np.testing.assert_allclose(delta[3], model.predict_proba(X) - one_hot(t, 3), atol=1e-12,
                               err_msg="softmax + cross-entropy: delta^L = y - t")


def test_layer_gradient_norms_vanish_in_a_deep_sigmoid_net_but_not_with_relu():
    X, t = _batch(N=64, d=10)
    sigmoid = dg.gradient_norms_by_depth(X, t, [6], width=32, activation="sigmoid")[6]
    relu = dg.gradient_norms_by_depth(X, t, [6], width=32, activation="relu", init="he")[6]
    assert sigmoid.shape == (7,)
    assert sigmoid[0] < 1e-2 * sigmoid[-1], f"sigmoid: first-layer gradient {sigmoid[0]} not << last {sigmoid[-1]}"
    assert relu[0] > 1e-1 * relu[-1], f"ReLU/He: first-layer gradient {relu[0]} should stay of the order of the last {relu[-1]}"
    np.testing.assert_allclose(dg.layer_gradient_norms(MLP([10, 4, 3]), X, t),
                               [np.linalg.norm(dW_l) for dW_l in MLP([10, 4, 3]).gradients(X, t)[0][1:]])


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


def test_model_error_leaves_out_the_weight_decay_penalty():
    X, t = _batch()
    model = MLP([6, 5, 3], weight_decay=0.5)
    penalty = 0.25 * sum(float(np.sum(W_l * W_l)) for W_l in model.W[1:])
    assert math.isclose(model.error(X, t) + penalty, model.loss(X, t), rel_tol=1e-12)


def test_plot_per_layer_draws_one_line_per_series():
    import matplotlib.pyplot as plt

    ax = dg.plot_per_layer({"a": [1.0, 0.1], "b": [1.0, 2.0, 3.0]}, ylabel="norm", title="t")
    assert len(ax.lines) == 2 and ax.get_yscale() == "log" and ax.get_xlabel() == "layer $l$"
    plt.close(ax.figure)


# --- experiments ---------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [1, 2, 3, 5])
def test_sawtooth_has_two_to_the_depth_pieces(depth):
    model = MLP([1] + [2] * depth + [1], activation="relu", output="identity", loss="mse")
    model.W, model.b = dg.sawtooth_weights(depth)
    y = model.predict_proba(np.linspace(0, 1, 20_001)[:, None])[:, 0]
    assert dg.count_monotone_pieces(y) == 2**depth
    assert y.min() >= 0 and y.max() <= 1 + 1e-12, "the composed tent map maps [0, 1] into [0, 1]"


def test_sawtooth_rejects_bad_depth():
    with pytest.raises(ValueError, match="depth"):
        dg.sawtooth_weights(0)
    with pytest.raises(ValueError, match="depth"):
        dg.sawtooth_weights(True)


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
        assert all(r["n_parameters"] == n_parameters(sizes) for r in results)
        assert all(0 <= r["test_accuracy"] <= 1 and len(r["history"]["train_loss"]) == 2 for r in results)


# --- greedy layer-wise pre-training --------------------------------------------------------


def test_pretrain_autoencoder_learns_to_reconstruct_its_inputs():
    X = np.random.default_rng(0).normal(size=(200, 3)) @ np.random.default_rng(1).normal(size=(3, 8))  # rank 3 in 8-D
    autoencoder = dg.pretrain_autoencoder(X, 4, epochs=40, eta=0.01, batch_size=20)
    assert autoencoder.sizes == [8, 4, 8] and autoencoder.objective.output == "identity"
    untrained = MLP([8, 4, 8], activation="tanh", output="identity", loss="mse", seed=0)
    assert autoencoder.error(X, X) < 0.2 * untrained.error(X, X), "training should cut the reconstruction error"
    with pytest.raises(ValueError, match="n_hidden"):
        dg.pretrain_autoencoder(X, 0)


def test_copy_first_layer_copies_W1_and_b1_only():
    source, target = MLP([6, 5, 6], output="identity", loss="mse", seed=1), MLP([6, 5, 3], seed=2)
    W2 = target.W[2].copy()
    assert dg.copy_first_layer(source, target) is target
    np.testing.assert_array_equal(target.W[1], source.W[1])
    np.testing.assert_array_equal(target.b[1], source.b[1])
    np.testing.assert_array_equal(target.W[2], W2)
    target.W[1][0, 0] += 1.0
    assert target.W[1][0, 0] != source.W[1][0, 0], "the copy must not share memory with the source"
    with pytest.raises(ValueError, match="first layers differ"):
        dg.copy_first_layer(source, MLP([6, 4, 3]))


def test_pretraining_comparison_trains_both_starts_for_every_seed():
    X, t = _batch(N=60, d=6)
    autoencoder = dg.pretrain_autoencoder(X, 5, epochs=2)
    result = dg.pretraining_comparison(autoencoder, [6, 5, 3], X, t, X, t, seeds=(0, 1, 2), epochs=1)
    assert set(result) == {"random", "pretrained"}
    assert all(values.shape == (3,) and np.all((values >= 0) & (values <= 1)) for values in result.values())
    model = MLP([6, 5, 3], activation="tanh", seed=1)
    model.fit(X, t, epochs=1, eta=0.05, batch_size=32, progress=False)
    assert result["random"][1] == model.score(X, t), "the random start should be MLP(sizes, seed=seed) trained alike"


def test_plot_unit_weights_draws_one_image_per_unit():
    import matplotlib.pyplot as plt

    fig = dg.plot_unit_weights(np.arange(20 * 64.0).reshape(20, 64), n_units=7, ncols=4, title="W")
    images = [ax for ax in fig.axes if ax.images]
    assert len(fig.axes) == 8 and len(images) == 7 and images[0].images[0].get_array().shape == (8, 8)
    assert images[0].get_title() == "unit 1" and images[0].title.get_fontsize() >= 11
    plt.close(fig)
    with pytest.raises(ValueError, match="W must have shape"):
        dg.plot_unit_weights(np.zeros((5, 63)), n_units=3)
