"""dlcore.checks: the one validation path, including the index and signed-target checks."""

import numpy as np
import pytest

from dlcore.checks import check_count, check_index, check_signed_targets, is_count


@pytest.mark.parametrize("value", [True, False, 2.0, "3", None, np.bool_(True)])
def test_booleans_floats_and_strings_are_not_counts(value):
    assert not is_count(value, 0), f"{value!r} should not count as an integer"
    with pytest.raises(ValueError, match="must be an integer >= 0"):
        check_count("n", value, 0)


def test_check_index_accepts_0_to_n_minus_1_only():
    assert check_index("j", np.int64(2), 3) == 2 and type(check_index("j", np.int64(2), 3)) is int
    for bad in (-1, 3, True, 1.0):
        with pytest.raises(ValueError, match=r"j must be an integer in 0\.\.2"):
            check_index("j", bad, 3)


def test_check_signed_targets_wants_minus_one_or_plus_one_of_the_right_length():
    t = check_signed_targets(np.array([-1, 1, 1]), 3)
    assert t.dtype == np.float64 and t.tolist() == [-1.0, 1.0, 1.0]
    with pytest.raises(ValueError, match=r"targets t must be -1 or \+1; got values \[0, 1\]"):
        check_signed_targets(np.array([0, 1, 1]))
    with pytest.raises(ValueError, match=r"targets t must have shape \(4,\)"):
        check_signed_targets(np.array([1, -1, 1]), 4)
    with pytest.raises(ValueError, match=r"shape \(N,\)"):
        check_signed_targets(np.ones((3, 1)))
