"""Basis functions: the design matrix ``Phi`` that logistic regression, least squares and the perceptron share.

Row ``n`` of ``Phi`` ``(N, M)`` is ``phi(x_n)``, whose leading 1 carries the bias ``w_0``.
"""

from __future__ import annotations

import numpy as np
from sklearn.preprocessing import PolynomialFeatures

from .checks import check_count

BASES = ("identity", "polynomial")


def check_basis(basis: str) -> str:
    """``basis`` if it is one of :data:`BASES`, or ValueError."""
    if basis not in BASES:
        raise ValueError(f"unknown basis {basis!r}; expected one of {BASES}")
    return basis


def design_matrix(X, basis: str = "identity", degree: int = 2) -> np.ndarray:
    """``Phi`` of shape ``(N, M)``: ``[1, x]`` (identity, ``M = d + 1``) or all monomials of ``x`` up to ``degree``."""
    if check_basis(basis) == "identity":
        return np.hstack([np.ones((len(X), 1)), X])
    return PolynomialFeatures(degree=check_count("degree", degree), include_bias=True).fit_transform(X)
