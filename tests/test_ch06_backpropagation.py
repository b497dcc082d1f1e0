"""dlcore.chapters.ch06_backpropagation: timing a gradient by backprop and by central differences, the figures,
the 2-2-1 network worked by hand and the gates of a computational graph."""

import ast
from pathlib import Path

import matplotlib
import nbformat
import numpy as np
import pytest
import torch

from dlcore import counting
from dlcore.activations import identity, tanh, tanh_prime
from dlcore.backprop import backprop_deltas, forward, weight_gradients
from dlcore.chapters import ch06_backpropagation as cx

NOTEBOOK = Path(__file__).resolve().parents[1] / "chapters" / "06_backpropagation.ipynb"


def test_gradient_costs_grow_like_w_and_w_squared():
    sizes_list = [[10, h, h, 10] for h in (20, 40, 80, 160, 320)]
    W = [counting.n_parameters(s) for s in sizes_list]
    bp = [counting.gradient_macs(s, 1, "backprop") for s in sizes_list]
    fd = [counting.gradient_macs(s, 1, "finite_differences") for s in sizes_list]
    assert cx.loglog_slope(W, bp) == pytest.approx(1.0, abs=0.05), "backprop should cost O(W)"
    assert cx.loglog_slope(W, fd) == pytest.approx(2.0, abs=0.05), "central differences should cost O(W^2)"


def test_time_gradients_counts_two_loss_evaluations_per_weight_and_gradients_agree():
    result = cx.time_gradients([[2, 3, 2], [3, 4, 2]], n_samples=4, repeats=2)
    assert list(result["n_weights"]) == [17, 26]
    assert np.array_equal(result["loss_evaluations"], 2 * result["n_weights"]), \
        f"central differences should call the loss 2W times, got {result['loss_evaluations']}"
    assert np.all(result["relative_error"] < 1e-6), f"backprop and central differences disagree: {result['relative_error']}"
    assert np.all(result["backprop_s"] > 0) and np.all(result["finite_differences_s"] > 0)


def test_time_gradients_is_seeded():
    first = cx.time_gradients([[2, 3, 2]], n_samples=4, repeats=1, seed=3)
    second = cx.time_gradients([[2, 3, 2]], n_samples=4, repeats=1, seed=3)
    other = cx.time_gradients([[2, 3, 2]], n_samples=4, repeats=1, seed=4)
    assert first["relative_error"][0] == second["relative_error"][0], "same seed, same problem, same error"
    assert first["relative_error"][0] != other["relative_error"][0], "another seed should give another problem"


def test_loglog_slope_recovers_a_power_law():
    x = np.array([1.0, 10.0, 100.0, 1000.0])
    assert cx.loglog_slope(x, 3.0 * x ** 1.5) == pytest.approx(1.5), "slope of 3 x^1.5 should be 1.5"


@pytest.mark.parametrize("call", [
    lambda: cx.time_gradients([]),
    lambda: cx.time_gradients([[2, 3]], repeats=0),
    lambda: cx.loglog_slope([1.0, 2.0], [1.0, -1.0]),
    lambda: cx.loglog_slope([1.0], [1.0]),
    lambda: cx.plot_network_signals([np.ones(2), np.ones(3)], [None, np.ones(2)]),
    lambda: cx.plot_network_signals([np.ones(2), np.ones(3)], [np.ones(3)]),
    lambda: cx.gate_backward("sub", (1.0, 2.0), 1.0),
    lambda: cx.gate_backward("add", (1.0, 2.0, 3.0), 1.0),
    lambda: cx.named_values([None], [np.ones((1, 2))], [None], [None], [None]),
    lambda: cx.named_values([None, np.ones((2, 3))], [np.ones((2, 2)), np.ones((2, 3))], [None, np.ones((2, 3))],
                            [None, np.ones((3, 2))], [None, np.ones(3)]),
])
def test_bad_input_raises_value_error(call):
    with pytest.raises(ValueError):
        call()


def test_plots_return_axes():
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    timings = {"n_weights": np.array([10, 100]), "backprop_s": np.array([1e-4, 2e-4]),
               "finite_differences_s": np.array([1e-2, 1.0])}
    counts = {"backprop": np.array([30, 300]), "finite_differences": np.array([600, 60000])}
    axes = cx.plot_gradient_costs(timings, counts)
    assert len(axes) == 2 and "slope 2.00" in axes[0].get_legend().get_texts()[1].get_text()
    ax = cx.plot_network_signals([np.ones(2), np.ones(3), np.ones(2)], [None, np.ones(3), np.ones(2)])
    assert len(ax.texts) == 2 + 2 * 3 + 2 * 2, "one z label per unit and one delta label per non-input unit"
    plt.close("all")


def _hand_values():
    W, b, x, t = cx.hand_network()
    a, z = forward(x, W, b, tanh, identity)
    delta = backprop_deltas(z[2] - t, a, z, W, tanh_prime)
    dW, db = weight_gradients(delta, z)
    values = cx.named_values(a, z, delta, dW, db, 0.5 * np.sum((z[2] - t) ** 2))
    values.update({f"g'(a^1_{j + 1})": v for j, v in enumerate(tanh_prime(a[1])[0])})
    return values


def test_hand_network_matches_torch_autograd():
    W, b, x, t = cx.hand_network()
    values = _hand_values()
    params = [torch.tensor(p, requires_grad=True) for p in (W[1], b[1], W[2], b[2])]
    a1 = params[0] @ torch.tensor(x[0]) + params[1]
    y = params[2] @ torch.tanh(a1) + params[3]
    (0.5 * ((y - torch.tensor(t[0])) ** 2).sum()).backward()
    assert values["a^2_1"] == pytest.approx(y.item()) and values["dE/db^2_1"] == pytest.approx(y.item() - 1.0)
    expected = {"dE/dw^1_11": params[0].grad[0, 0], "dE/dw^1_12": params[0].grad[0, 1],
                "dE/dw^1_22": params[0].grad[1, 1], "dE/db^1_2": params[1].grad[1], "dE/dw^2_12": params[2].grad[0, 1]}
    for name, value in expected.items():
        assert values[name] == pytest.approx(value.item(), rel=1e-12), f"{name} differs from torch"


def test_the_hand_table_in_the_chapter_is_what_dlcore_computes():
    cells = nbformat.read(NOTEBOOK, as_version=4).cells
    text = next(c.source for c in cells
                if c.cell_type == "markdown" and c.source.startswith("## Backpropagation by hand"))
    table = [float(line.split("|")[-2]) for line in text.splitlines()
             if line.split("|")[1:2] and line.split("|")[1].strip() in ("forward", "backward", "gradient")]
    code = next(c.source for c in cells if c.cell_type == "code" and "quoted = {" in c.source)
    quoted = next(ast.literal_eval(node.value) for node in ast.walk(ast.parse(code))
                  if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "quoted")
    assert len(table) == len(quoted) == 20, "one table row per quoted value"
    assert table == list(quoted.values()), "the table and the dict the chapter checks it with differ"
    values = _hand_values()
    for name, value in quoted.items():
        assert abs(values[name] - value) <= 0.5e-4 + 1e-12, f"{name}: the table says {value}, dlcore {values[name]}"


def test_gate_patterns_distribute_swap_and_route():
    assert cx.gate_backward("add", (3.0, -7.0), 2.5) == (2.5, 2.5), "add distributes"
    assert cx.gate_backward("mul", (3.0, -2.0), 2.0) == (-4.0, 6.0), "multiply swaps"
    assert cx.gate_backward("max", (3.0, 1.0), 2.0) == (2.0, 0.0), "max routes to the larger"
    assert cx.gate_backward("max", (-1.0, 4.0), 2.0) == (0.0, 2.0)
    assert cx.gate_backward("max", (1.0, 1.0), 2.0) == (2.0, 0.0), "a tie goes to the first input"
