"""Linear separability by linear programming, shared by the logistic-regression and perceptron chapters.

Data ``Phi`` ``(N, M)`` with signed targets ``t_n`` in {-1, +1} are linearly separable exactly when
some ``w`` has ``t_n w^T phi_n > 0`` for all n; scaling ``w`` turns that into ``t_n w^T phi_n >= 1``,
a set of linear constraints whose feasibility a linear program decides.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog

from .checks import check_signed_targets, check_X


def feasible_weights(signed_Phi):
    """A ``w`` ``(M,)`` with ``signed_Phi w >= 1`` in every row (rows ``t_n phi_n``), or None if none exists.

    Solves the feasibility linear program (zero objective) with HiGHS; ``signed_Phi`` is ``(N, M)``.
    """
    signed_Phi = check_X(signed_Phi, name="signed_Phi")
    M = signed_Phi.shape[1]
    result = linprog(np.zeros(M), A_ub=-signed_Phi, b_ub=-np.ones(len(signed_Phi)), bounds=[(None, None)] * M,
                     method="highs")
    return result.x if result.status == 0 else None


def is_linearly_separable(Phi, t) -> bool:
    """Whether some ``w`` has ``t_n w^T phi_n >= 1`` for all n; ``Phi`` ``(N, M)``, ``t`` ``(N,)`` in {-1, +1}."""
    Phi = check_X(Phi, name="Phi")
    t = check_signed_targets(t, len(Phi))
    return feasible_weights(t[:, None] * Phi) is not None
