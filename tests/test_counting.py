"""dlcore.counting: parameter counts, multiply-accumulates and flops, and the arrays that count matrix products."""

import numpy as np
import pytest

from dlcore import MLP, counting


def _batch(N=40, d=6, K=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(N, d)), rng.integers(0, K, size=N)


# --- parameters and costs ------------------------------------------------------------------


@pytest.mark.parametrize("sizes", [[2, 3, 1], [2, 32, 3], [2, 8, 8, 8, 3], [64, 21, 21, 21, 10], [5, 1]])
def test_n_parameters_matches_the_arrays_the_mlp_allocates(sizes):
    allocated = counting.model_parameter_count(MLP(sizes))
    assert counting.n_parameters(sizes) == allocated, f"{sizes}: formula {counting.n_parameters(sizes)} != allocated {allocated}"


def test_n_parameters_by_hand():
    assert counting.n_parameters([2, 3, 1]) == 3 * 3 + 1 * 4 == 13, "sum_l M_l (M_(l-1) + 1) for [2, 3, 1] is 13"
    assert counting.n_parameters([2, 32, 3]) == counting.n_parameters([2, 8, 8, 8, 3]) == 195


@pytest.mark.parametrize("sizes", [[3], [2, 0, 1], [2.0, 3], "23"])
def test_n_parameters_rejects_bad_sizes(sizes):
    with pytest.raises(ValueError, match="sizes"):
        counting.n_parameters(sizes)


def test_forward_macs_per_layer():
    macs = counting.forward_macs([4, 5, 3], n_samples=7)
    assert macs.tolist() == [7 * 4 * 5, 7 * 5 * 3], f"expected N M_(l-1) M_l per layer, got {macs}"
    with pytest.raises(ValueError, match="n_samples"):
        counting.forward_macs([4, 5, 3], n_samples=0)


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_counted_matmul_flops_match_the_formulas(activation):
    sizes, (X, t) = [6, 9, 5, 3], _batch()
    model = MLP(sizes, activation=activation)
    assert counting.counted_matmul_flops(model, X) == 2 * counting.forward_macs(sizes, len(X)).sum()
    assert counting.counted_matmul_flops(model, X, t) == len(X) * counting.sgd_step_flops(sizes)


def test_counted_matmul_flops_needs_a_numpy_model():
    with pytest.raises(ValueError, match="device='cpu'"):
        counting.counted_matmul_flops(MLP([6, 3], device="torch"), _batch()[0])


def test_n_parameters_matches_the_arrays_of_an_mlp():
    for sizes in ([2, 3, 2], [4, 5, 6, 3], [1, 1]):
        model = MLP(sizes)
        expected = sum(model.W[l].size + model.b[l].size for l in range(1, model.n_layers + 1))
        assert counting.n_parameters(sizes) == expected, f"n_parameters({sizes}) = {counting.n_parameters(sizes)}, MLP has {expected}"


def test_gradient_macs_by_hand_for_a_small_network():
    # sizes [2, 3, 2], N = 1: forward 2*3 + 3*2 = 12; backprop 3*12 - 6 = 30; central differences 2 * 17 * 12
    assert counting.gradient_macs([2, 3, 2], 1, "backprop") == 30
    assert counting.gradient_macs([2, 3, 2], 1, "finite_differences") == 2 * 17 * 12
    assert counting.gradient_macs([2, 3, 2], 5, "backprop") == 5 * 30, "the count must be linear in the number of samples"
    assert counting.sgd_step_flops([2, 3, 2], 5) == 2 * 5 * 30, "a step's flops are two per multiply-accumulate"


@pytest.mark.parametrize("call", [
    lambda: counting.n_parameters([3]),
    lambda: counting.n_parameters([2, 0, 1]),
    lambda: counting.gradient_macs([2, 3], 1, "forward"),
    lambda: counting.gradient_macs([2, 3], 0),
    lambda: counting.gradient_macs([2, 3], True),
])
def test_counts_reject_bad_input(call):
    with pytest.raises(ValueError):
        call()


def test_each_flop_count_has_its_own_total():
    first, second = counting.FlopCount(), counting.FlopCount()
    A, B = first.track(np.ones((2, 3))), second.track(np.ones((3, 4)))
    C = A @ np.ones((3, 5))
    C.T @ np.ones((2, 1))
    B.T @ np.ones((3, 1))
    assert (first.flops, second.flops) == (2 * 2 * 3 * 5 + 2 * 5 * 2 * 1, 2 * 4 * 3 * 1), \
        "products must be counted by the count of the arrays that took part, results included"
    assert counting.counted_matmul_flops(MLP([6, 3]), np.ones((4, 6))) == 2 * 4 * 6 * 3, "a fresh count per call"
