"""dlcore.chapters.ch06_backpropagation: timing a gradient by backprop and by central differences, and the figures."""

import matplotlib
import numpy as np
import pytest

from dlcore import counting
from dlcore.chapters import ch06_backpropagation as cx


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
