"""dlcore.chapters.ch01_logistic_regression: softmax Jacobian, Gaussian posteriors, separability, step size, GD history."""

import numpy as np
import pytest

from dlcore import LogisticRegression, numerical_gradient
from dlcore.activations import softmax
from dlcore.chapters.ch01_logistic_regression import (accuracy, gaussian_linear_weights, gaussian_posteriors,
                                                     gradient_descent_history, sample_gaussian_classes,
                                                     separating_weights, smoothness_constant, softmax_jacobian)
from dlcore.data import make_separable_blobs, make_xor
from dlcore.features import design_matrix

RNG = np.random.default_rng(0)


def test_accuracy_counts_matching_labels():
    assert accuracy(np.array([0, 1, 2, 1]), np.array([0, 1, 1, 1])) == 0.75, "3 of 4 labels agree"


def test_accuracy_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="equal shape"):
        accuracy(np.array([0, 1]), np.array([0, 1, 1]))


def test_softmax_jacobian_matches_central_differences():
    a = RNG.normal(size=(3, 4))
    J = softmax_jacobian(a)
    for n in range(len(a)):
        row = a[n:n + 1].copy()
        for k in range(4):
            numeric = numerical_gradient(lambda: softmax(row)[0, k], [row])[0][0]
            np.testing.assert_allclose(J[n, k], numeric, atol=1e-8, err_msg=f"dy_{k}/da differs at sample {n}")


def test_softmax_jacobian_rows_sum_to_zero():
    J = softmax_jacobian(RNG.normal(size=(5, 3)))
    np.testing.assert_allclose(J.sum(axis=1), 0.0, atol=1e-12,
                               err_msg="sum_k dy_k/da_j must vanish because sum_k y_k = 1")


def test_linear_weights_reproduce_bayes_posterior_for_shared_covariance():
    means = np.array([[1.0, 0.0], [-1.0, 0.5], [0.0, -1.0]])
    cov = np.array([[1.0, 0.3], [0.3, 0.5]])
    priors = np.array([0.5, 0.3, 0.2])
    X = RNG.normal(size=(20, 2))
    W = gaussian_linear_weights(means, cov, priors)
    np.testing.assert_allclose(softmax(design_matrix(X) @ W.T), gaussian_posteriors(X, means, cov, priors),
                               rtol=1e-10, err_msg="softmax of the linear weights must equal Bayes' posterior")


def test_sampled_gaussian_classes_follow_priors_and_means():
    means = np.array([[2.0, 0.0], [-2.0, 1.0]])
    X, t = sample_gaussian_classes(4000, means, np.eye(2), np.array([0.75, 0.25]), seed=1)
    assert X.shape == (4000, 2) and t.shape == (4000,), f"shapes {X.shape}, {t.shape}"
    assert abs(np.mean(t == 0) - 0.75) < 0.03, f"class 0 should make up about 75%, got {np.mean(t == 0):.3f}"
    np.testing.assert_allclose(X[t == 1].mean(axis=0), means[1], atol=0.1, err_msg="class 1 mean is off")


def test_gaussian_posteriors_reject_bad_priors():
    with pytest.raises(ValueError, match="priors"):
        gaussian_posteriors(np.zeros((2, 2)), np.zeros((2, 2)), np.eye(2), np.array([0.7, 0.7]))


def test_separating_weights_separate_blobs_and_fail_on_xor():
    X, t = make_separable_blobs(100, seed=1)
    w = separating_weights(X, t)
    assert w is not None, "the blobs are separable by construction"
    margins = (2 * t - 1) * (design_matrix(X) @ w)
    assert margins.min() >= 1 - 1e-7, f"every signed output must be >= 1; smallest is {margins.min()}"
    X, t = make_xor(40, noise=0.1, seed=0)
    assert separating_weights(X, t) is None, "XOR is not linearly separable"


def test_smoothness_constant_bounds_the_hessian_of_the_mean_error():
    X, t = make_separable_blobs(60, seed=2)
    Phi = design_matrix(X)
    y = 1 / (1 + np.exp(-Phi @ RNG.normal(size=3)))
    hessian = Phi.T @ ((y * (1 - y))[:, None] * Phi) / len(Phi)
    assert np.linalg.eigvalsh(hessian)[-1] <= smoothness_constant(Phi) + 1e-12, "L must bound the Hessian's eigenvalues"
    assert smoothness_constant(Phi, 3) == pytest.approx(2 * smoothness_constant(Phi)), "K classes: c = 2 instead of 4"


def test_gradient_descent_history_follows_fit():
    X, t = make_separable_blobs(80, seed=3)
    history = gradient_descent_history(LogisticRegression(), X, t, eta=0.5, epochs=30)
    reference = LogisticRegression()
    fitted = reference.fit(X, t, eta=0.5, epochs=30, tol=0.0)
    np.testing.assert_allclose(history["loss"], fitted["loss"], rtol=1e-12, err_msg="same steps as fit must give the same losses")
    assert history["weight_norm"][-1] == pytest.approx(np.linalg.norm(reference.weights)), "final weight norm differs from fit"
    assert history["weight_norm"].shape == (30,), "one norm per epoch"


def test_gradient_descent_history_rejects_zero_epochs():
    with pytest.raises(ValueError, match="epochs"):
        gradient_descent_history(LogisticRegression(), np.zeros((3, 2)), np.array([0, 1, 0]), eta=0.1, epochs=0)
