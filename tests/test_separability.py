"""dlcore.separability and dlcore.features: the linear program that decides separability, and the design matrix."""

import numpy as np
import pytest

from dlcore.data import make_separable_blobs, xor_points
from dlcore.features import BASES, design_matrix
from dlcore.separability import feasible_weights, is_linearly_separable


def test_feasible_weights_satisfy_every_constraint_or_are_none():
    X, t01 = make_separable_blobs(60, seed=4)
    signed_Phi = (2 * t01 - 1)[:, None] * design_matrix(X)
    w = feasible_weights(signed_Phi)
    assert w is not None and (signed_Phi @ w).min() >= 1 - 1e-7, "every row t_n phi_n must give t_n w^T phi_n >= 1"
    X, t01 = xor_points()
    assert feasible_weights((2 * t01 - 1)[:, None] * design_matrix(X)) is None, "XOR has no separating line"


def test_xor_is_separable_once_x1_x2_is_a_feature():
    X, t01 = xor_points()
    assert not is_linearly_separable(design_matrix(X), 2 * t01 - 1)
    assert is_linearly_separable(design_matrix(X, "polynomial", 2), 2 * t01 - 1), "x1 x2 separates XOR"


def test_design_matrix_bases():
    X = np.array([[2.0, 3.0]])
    assert design_matrix(X).tolist() == [[1.0, 2.0, 3.0]], "identity: phi(x) = (1, x)"
    assert design_matrix(X, "polynomial", 2).tolist() == [[1.0, 2.0, 3.0, 4.0, 6.0, 9.0]], "all monomials up to degree 2"
    assert BASES == ("identity", "polynomial")
    with pytest.raises(ValueError, match="unknown basis 'fourier'"):
        design_matrix(X, "fourier")
    with pytest.raises(ValueError, match="degree must be an integer >= 1"):
        design_matrix(X, "polynomial", 0)
