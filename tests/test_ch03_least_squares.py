"""Least squares for classification: the closed form, its gradient, its properties and its failures."""

import numpy as np
import pytest

from dlcore.checks import one_hot
from dlcore.gradcheck import numerical_gradient, relative_error
from dlcore.chapters.ch03_least_squares import (LeastSquaresClassifier, fit_least_squares, make_three_in_a_row,
                                                make_two_blobs_with_outliers, per_sample_gradients, sum_of_squares_error,
                                                sum_of_squares_gradient, two_class_boundary)
from dlcore.features import design_matrix
from dlcore.plotting import boundary_segment

RNG = np.random.default_rng(3)


def small_problem(N=12, d=2, K=3):
    X = RNG.normal(size=(N, d))
    t = np.arange(N) % K
    return design_matrix(X), one_hot(t, K), t, X


def test_error_is_half_the_sum_of_squared_residuals():
    Phi, T, _, _ = small_problem()
    W = RNG.normal(size=(Phi.shape[1], T.shape[1]))
    expected = 0.5 * np.sum((Phi @ W - T) ** 2)
    assert sum_of_squares_error(W, Phi, T) == pytest.approx(expected, rel=1e-12), "E_D != 1/2 sum ||y_n - t_n||^2"


def test_gradient_matches_central_differences():
    Phi, T, _, _ = small_problem()
    W = RNG.normal(size=(Phi.shape[1], T.shape[1]))
    numeric = numerical_gradient(lambda: sum_of_squares_error(W, Phi, T), [W])[0]
    error = relative_error(sum_of_squares_gradient(W, Phi, T), numeric)
    assert error < 1e-7, f"Phi^T (Phi W - T) disagrees with central differences (relative error {error:.2e})"


def test_fit_solves_the_normal_equations_and_zeroes_the_gradient():
    Phi, T, _, _ = small_problem()
    W = fit_least_squares(Phi, T)
    np.testing.assert_allclose(W, np.linalg.solve(Phi.T @ Phi, Phi.T @ T), atol=1e-10,
                               err_msg="lstsq solution differs from (Phi^T Phi)^-1 Phi^T T")
    assert np.abs(sum_of_squares_gradient(W, Phi, T)).max() < 1e-10, "gradient is not zero at the least-squares optimum"


def test_outputs_sum_to_one_with_a_bias_column_but_not_without():
    Phi, T, t, X = small_problem()
    model = LeastSquaresClassifier(3).fit(X, t)
    far = 100 * RNG.normal(size=(50, 2))
    np.testing.assert_allclose(model.decision_function(far).sum(axis=1), 1.0, atol=1e-9,
                               err_msg="least-squares outputs with a bias column must sum to 1 for any x")
    W_no_bias = fit_least_squares(Phi[:, 1:], T)
    sums = (far @ W_no_bias).sum(axis=1)
    assert np.abs(sums - 1).max() > 0.1, "without a bias column the outputs should not sum to one in general"


def test_outputs_are_not_probabilities():
    X, t = make_three_in_a_row(50, seed=0)
    y = LeastSquaresClassifier(3).fit(X, t).decision_function(X)
    assert y.min() < 0 and y.max() > 1, f"expected outputs outside [0, 1]; got range [{y.min():.2f}, {y.max():.2f}]"


def test_predict_is_the_argmax_of_the_outputs():
    _, _, t, X = small_problem()
    model = LeastSquaresClassifier(3).fit(X, t)
    np.testing.assert_array_equal(model.predict(X), np.argmax(model.phi(X) @ model.weights, axis=1))
    assert model.score(X, t) == pytest.approx(np.mean(model.predict(X) == t))


def test_far_correct_side_outliers_add_errors_on_the_original_points():
    base = slice(0, 80)
    X0, t0 = make_two_blobs_with_outliers(40, 0, seed=0)
    X1, t1 = make_two_blobs_with_outliers(40, 10, seed=0)
    before = np.sum(LeastSquaresClassifier(2).fit(X0, t0).predict(X0) != t0)
    after = np.sum(LeastSquaresClassifier(2).fit(X1, t1).predict(X1[base]) != t1[base])
    assert after > before, f"outliers should drag the boundary: {before} errors before, {after} after"


def test_least_squares_masks_the_middle_of_three_classes_in_a_row():
    X, t = make_three_in_a_row(50, seed=0)
    predictions = LeastSquaresClassifier(3).fit(X, t).predict(X)
    recall_middle = np.mean(predictions[t == 1] == 1)
    assert recall_middle < 0.3, f"the middle class should be (mostly) masked; recall {recall_middle:.2f}"


def test_boundary_line_and_two_class_boundary_agree_with_predict():
    X, t = make_two_blobs_with_outliers(40, 0, seed=1)
    model = LeastSquaresClassifier(2).fit(X, t)
    w = two_class_boundary(model.weights)
    np.testing.assert_array_equal(model.predict(X), (model.phi(X) @ w > 0).astype(int))
    on_line = design_matrix(boundary_segment(w, (-3, 3), (-3, 3))) @ w
    np.testing.assert_allclose(on_line, 0.0, atol=1e-12, err_msg="the ends from boundary_segment are not on the line")


def test_per_sample_gradients_sum_to_the_gradient():
    Phi, T, _, _ = small_problem()
    W = RNG.normal(size=(Phi.shape[1], T.shape[1]))
    terms = per_sample_gradients(Phi @ W, T, Phi)
    assert terms.shape == (len(Phi), T.shape[1], Phi.shape[1])
    np.testing.assert_allclose(terms.sum(axis=0).T, sum_of_squares_gradient(W, Phi, T), atol=1e-12)


def test_data_are_seeded_and_shaped():
    X, t = make_two_blobs_with_outliers(5, 3, seed=2)
    assert X.shape == (13, 2) and t.shape == (13,) and set(t) == {0, 1}
    np.testing.assert_array_equal(X, make_two_blobs_with_outliers(5, 3, seed=2)[0])
    X, t = make_three_in_a_row(4, seed=2)
    assert X.shape == (12, 2) and np.bincount(t).tolist() == [4, 4, 4]


@pytest.mark.parametrize("call,message", [
    (lambda: LeastSquaresClassifier(1), r"n_classes must be an integer >= 2"),
    (lambda: LeastSquaresClassifier(True), r"n_classes must be an integer >= 2"),
    (lambda: LeastSquaresClassifier(2, basis="fourier"), r"unknown basis 'fourier'"),
    (lambda: LeastSquaresClassifier(2).fit(np.zeros((4, 2)), np.array([0, 1, 2, 0])), r"must lie in \[0, 1\]"),
    (lambda: LeastSquaresClassifier(2).fit(np.zeros((4, 2)), np.array([0, 1, 1])), r"X has 4 rows but t has 3"),
    (lambda: fit_least_squares(np.zeros((4, 3)), np.zeros((5, 2))), r"same N"),
    (lambda: sum_of_squares_error(np.zeros((2, 2)), np.zeros((4, 3)), np.zeros((4, 2))), r"W~ \(M, K\)"),
    (lambda: two_class_boundary(np.zeros((3, 3))), r"shape \(M, 2\)"),
    (lambda: make_three_in_a_row(0), r"n must be an integer >= 1"),
    (lambda: make_three_in_a_row(3, spacing=0.0), r"spacing must be a positive number"),
    (lambda: make_two_blobs_with_outliers(3, -1), r"n_outliers must be an integer >= 0"),
])
def test_bad_input_raises_a_value_error_naming_the_problem(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_predict_before_fit_raises():
    with pytest.raises(RuntimeError, match="not fitted"):
        LeastSquaresClassifier(2).predict(np.zeros((2, 2)))
