"""Bad input fails early with a ValueError (or RuntimeError for a device) that names the problem."""

import numpy as np
import pytest

from dlcore import MLP, LogisticRegression

X = np.random.default_rng(0).normal(size=(10, 3))
t = np.arange(10) % 2


def fit(model, X_=X, T_=t, **options):
    kwargs = dict(epochs=1, eta=0.1, batch_size=4, progress=False)
    kwargs.update(options)
    return model.fit(X_, T_, **kwargs)


@pytest.mark.parametrize("call,message", [
    (lambda: fit(MLP([4, 3, 2])), r"X must have 4 features \(shape \(N, 4\)\); got shape \(10, 3\)"),
    (lambda: MLP([3, 2]).predict(X[0]), r"X must be 2-D with shape \(N, features\); got shape \(3,\)"),
    (lambda: fit(MLP([3, 2]), T_=t + 1), r"labels T must lie in \[0, 1\] for 2 classes; got values from 1 to 2"),
    (lambda: fit(MLP([3, 2]), T_=t - 1), r"got values from -1 to 0"),
    (lambda: fit(MLP([3, 2]), X_=np.where(X > 1, np.nan, X)), r"X contains NaN or inf"),
    (lambda: fit(MLP([3, 2]), X_=np.where(X > 1, np.inf, X)), r"X contains NaN or inf"),
    (lambda: fit(MLP([3, 2]), T_=t[:9]), r"X has 10 rows but T has 9"),
    (lambda: fit(MLP([3, 2]), eta=0.0), r"eta \(the learning rate\) must be a positive number; got 0.0"),
    (lambda: fit(MLP([3, 2]), eta=-0.1), r"must be a positive number; got -0.1"),
    (lambda: fit(MLP([3, 2]), batch_size=0), r"batch_size must be an integer >= 1; got 0"),
    (lambda: fit(MLP([3, 2]), batch_size=True), r"batch_size must be an integer >= 1; got True"),
    (lambda: fit(MLP([3, 2]), epochs=2.0), r"epochs must be an integer >= 1; got 2.0"),
    (lambda: fit(MLP([3, 2]), X_val=X, T_val=t, patience=True), r"patience must be an integer >= 1; got True"),
    (lambda: fit(MLP([3, 2]), eta=True), r"eta \(the learning rate\) must be a positive number; got True"),
    (lambda: MLP([3, True, 2]), r"sizes must be a list"),
    (lambda: fit(MLP([3, 2]), patience=2), r"patience \(early stopping\) needs validation data"),
    (lambda: MLP([3, 4, 2], activation="softsign"), r"unknown activation 'softsign'"),
    (lambda: MLP([3, 4, 2], output="tanh"), r"unknown output 'tanh'"),
    (lambda: MLP([3, 4, 2], init="orthogonal").W, r"unknown init 'orthogonal'"),
    (lambda: MLP([3]), r"sizes must be a list \[d, M_1, ..., K\]"),
    (lambda: MLP([3, 0, 2]), r"sizes must be a list"),
    (lambda: MLP([3, 2], weight_decay=-1.0), r"weight_decay must be a number >= 0"),
    (lambda: MLP([3, 2], weight_decay=float("nan")), r"weight_decay must be a number >= 0"),
    (lambda: fit(MLP([3, 2], output="sigmoid"), T_=np.full((10, 2), 0.5)), r"sigmoid output must be 0 or 1"),
    (lambda: fit(MLP([3, 2]), T_=np.ones((10, 3))), r"T must have shape \(N, 2\) for 2 output units; got shape \(10, 3\)"),
    (lambda: fit(MLP([3, 2]), T_=t + 0.5), r"class labels T must be integers"),
    (lambda: fit(MLP([3, 2]), X_val=X), r"X_val and T_val must be given together"),
    (lambda: LogisticRegression().fit(X, t + 2), r"labels t must lie in \[0, 1\]"),
    (lambda: LogisticRegression().fit(X, t, eta=0), r"eta \(the learning rate\) must be a positive number"),
    (lambda: LogisticRegression(n_classes=1), r"n_classes must be an integer >= 2"),
    (lambda: LogisticRegression(basis="fourier"), r"unknown basis 'fourier'"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_bad_input_raises_a_value_error_naming_the_problem(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_predicting_before_fitting_logistic_regression_says_so():
    with pytest.raises(RuntimeError, match="not fitted yet"):
        LogisticRegression().predict(X)


def test_wrong_feature_count_after_fitting_logistic_regression():
    model = LogisticRegression()
    model.fit(X, t, epochs=2)
    with pytest.raises(ValueError, match=r"X must have 3 features"):
        model.predict(X[:, :2])


def test_inputs_are_never_modified():
    X_copy, t_copy = X.copy(), t.copy()
    fit(MLP([3, 2]), epochs=2)
    LogisticRegression().fit(X, t, epochs=2)
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(t, t_copy)
