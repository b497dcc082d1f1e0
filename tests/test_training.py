"""Training: the perceptron, logistic regression against scikit-learn, the MLP on XOR and digits."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression

from dlcore import MLP, ConvergenceWarning, LogisticRegression, Perceptron, TrainingDiverged
from dlcore.data import load_breast_cancer, load_digits, load_iris, load_wine, make_separable_blobs, xor_points


# --- perceptron ---

def test_perceptron_converges_on_separable_data():
    X, t = make_separable_blobs(n=200, seed=0)
    model = Perceptron(max_epochs=100).fit(X, 2 * t - 1)
    assert model.converged and model.mistakes_per_epoch[-1] == 0
    assert np.all(model.predict(X) == 2 * t - 1)
    assert len(model.weight_history) == len(model.mistakes_per_epoch)


def test_perceptron_flags_xor_and_stops_at_max_epochs():
    X, t = xor_points()
    with pytest.warns(ConvergenceWarning, match="not be linearly separable"):
        model = Perceptron(max_epochs=50).fit(X, 2 * t - 1)
    assert not model.converged
    assert len(model.mistakes_per_epoch) == 50 and min(model.mistakes_per_epoch) > 0


def test_perceptron_rejects_targets_outside_plus_minus_one():
    X, t = xor_points()
    with pytest.raises(ValueError, match="must be -1 or \\+1; got values \\[0, 1\\]"):
        Perceptron().fit(X, t)


# --- logistic regression ---
# Without regularisation the maximum-likelihood weights exist only when no class is linearly
# separable from the rest. Standardised breast cancer on all 30 features, and every iris feature set
# that contains a petal measurement, is separable: the weights grow without bound and no two
# optimisers agree. We compare on feature sets where the optimum exists, and show the other case.
BREAST_CANCER_FEATURES = [0, 1, 4, 8]  # mean radius, texture, smoothness, symmetry
PROBLEMS = [(load_breast_cancer, 2, BREAST_CANCER_FEATURES), (load_iris, 3, [0]), (load_iris, 3, [1]),
            (load_wine, 3, [2, 3, 4, 5])]


@pytest.mark.parametrize("loader,K,features", PROBLEMS, ids=["breast_cancer", "iris_sepal_length",
                                                             "iris_sepal_width", "wine"])
def test_logistic_regression_matches_sklearn_without_penalty(loader, K, features):
    split = loader(val_fraction=0.0)
    X_train, X_test = split.X_train[:, features], split.X_test[:, features]
    ours = LogisticRegression(n_classes=K)
    history = ours.fit(X_train, split.t_train, eta=1.0, epochs=20000, tol=1e-9)
    assert history["converged"], "batch gradient descent did not reach the optimum"
    # C=inf is scikit-learn's spelling of penalty=None (deprecated since 1.8)
    theirs = SklearnLogisticRegression(C=np.inf, tol=1e-12, max_iter=10000).fit(X_train, split.t_train)
    expected = theirs.predict_proba(X_test)
    expected = expected[:, 1] if K == 2 else expected
    np.testing.assert_allclose(ours.predict_proba(X_test), expected, atol=1e-3)


def test_logistic_regression_score_is_the_accuracy_of_predict():
    split = load_iris(val_fraction=0.0)
    model = LogisticRegression(n_classes=3)
    model.fit(split.X_train, split.t_train, eta=0.5, epochs=200)
    expected = np.mean(model.predict(split.X_test) == split.t_test)
    assert model.score(split.X_test, split.t_test) == expected > 0.8


def test_sgd_reaches_the_batch_optimum():
    split = load_breast_cancer(val_fraction=0.0)
    X, t = split.X_train[:, BREAST_CANCER_FEATURES], split.t_train
    batch, sgd = LogisticRegression(), LogisticRegression(seed=1)
    batch.fit(X, t, eta=1.0, epochs=20000, tol=1e-9)
    sgd.fit(X, t, eta=0.05, epochs=300, batch_size=16)
    assert sgd.loss(X, t) == pytest.approx(batch.loss(X, t), rel=2e-2)


def test_separable_data_has_no_maximum_likelihood_solution():
    split = load_breast_cancer(val_fraction=0.0)
    model = LogisticRegression()
    norms = []
    for epochs in (500, 5000):
        model.fit(split.X_train, split.t_train, eta=1.0, epochs=epochs)
        norms.append(np.linalg.norm(model.weights))
    assert norms[1] > 2 * norms[0], f"weights should keep growing on separable data; norms {norms}"


@pytest.mark.parametrize("K", [2, 3])
def test_logistic_gradient_is_the_derivative_of_the_negative_log_likelihood(K):
    from dlcore import numerical_gradient, relative_error

    rng = np.random.default_rng(K)
    X, t = rng.normal(size=(20, 3)), rng.integers(0, K, 20)
    model = LogisticRegression(n_classes=K, basis="polynomial", degree=2)
    model.fit(X, t, eta=0.1, epochs=3)
    numeric = numerical_gradient(lambda: model.loss(X, t), [model.weights])[0]
    assert relative_error(model.gradient(X, t), numeric) < 1e-7


# --- MLP ---

def test_mlp_with_two_tanh_hidden_units_solves_xor_exactly():
    X, t = xor_points()
    model = MLP([2, 2, 2], activation="tanh", seed=0)
    model.fit(X, t, epochs=3000, eta=0.5, batch_size=4, progress=False)
    assert model.predict(X).tolist() == t.tolist()
    assert model.loss(X, t) < 0.05


def test_mlp_reaches_95_percent_on_digits():
    split = load_digits(seed=0)
    model = MLP([64, 128, 10], activation="tanh", seed=0)
    model.fit(split.X_train, split.t_train, epochs=15, eta=0.05, batch_size=32, progress=False)
    accuracy = model.score(split.X_test, split.t_test)
    assert accuracy >= 0.95, f"test accuracy {accuracy:.3f} < 0.95"


def test_early_stopping_restores_the_best_validation_weights():
    split = load_digits(seed=0)
    model = MLP([64, 64, 10], seed=0)
    history = model.fit(split.X_train, split.t_train, epochs=300, eta=0.2, batch_size=16,
                        X_val=split.X_val, T_val=split.t_val, patience=3, progress=False)
    assert history["stopped_early"], "validation loss should saturate long before 300 epochs"
    best = history["best_epoch"]
    assert len(history["val_loss"]) == best + 4
    assert history["val_loss"][best] == min(history["val_loss"])
    assert model.loss(split.X_val, split.t_val) == pytest.approx(history["val_loss"][best], rel=1e-12)


def test_validation_error_is_recorded_without_the_penalty_and_early_stopping_watches_it():
    split = load_digits(seed=0)
    lam = 0.01
    model = MLP([64, 32, 10], weight_decay=lam, seed=0)
    history = model.fit(split.X_train, split.t_train, epochs=40, eta=0.2, batch_size=16,
                        X_val=split.X_val, T_val=split.t_val, patience=3, progress=False)
    best = history["best_epoch"]
    assert history["val_error"][best] == min(history["val_error"]), "early stopping must pick the lowest val_error"
    penalty = 0.5 * lam * sum(float(np.sum(W * W)) for W in model.W[1:])
    data_term = -np.mean(np.log(model.predict_proba(split.X_val)[np.arange(len(split.t_val)), split.t_val]))
    assert model.error(split.X_val, split.t_val) == pytest.approx(data_term, rel=1e-10)
    assert history["val_error"][best] == pytest.approx(data_term, rel=1e-10)
    assert history["val_loss"][best] == pytest.approx(data_term + penalty, rel=1e-10)


def test_a_diverging_run_stops_with_a_message_that_names_the_divergence():
    X = np.random.default_rng(0).standard_normal((64, 1))
    model = MLP([1, 8, 1], output="identity", loss="mse")
    with np.errstate(all="ignore"), pytest.raises(TrainingDiverged, match=r"diverged in epoch 1: .* eta = 1e\+150"):
        model.fit(X, 3 * X, eta=1e150, X_val=X, T_val=3 * X, patience=2, progress=False)
    with np.errstate(all="ignore"), pytest.raises(TrainingDiverged, match="training loss is (nan|inf)"):
        MLP([1, 8, 1], output="identity", loss="mse").fit(X, 3 * X, eta=1e150, epochs=3, batch_size=64,
                                                           progress=False)


def test_history_records_every_epoch_and_shuffling_is_seeded():
    split = load_iris(seed=0)
    runs = [MLP([4, 6, 3], seed=5).fit(split.X_train, split.t_train, epochs=7, eta=0.1, batch_size=8,
                                       X_val=split.X_val, T_val=split.t_val, progress=False) for _ in range(2)]
    assert runs[0] == runs[1], "the same seed must give the same training run"
    for key in ("train_loss", "train_accuracy", "val_loss", "val_error", "val_accuracy"):
        assert len(runs[0][key]) == 7
    assert runs[0]["train_loss"][-1] < runs[0]["train_loss"][0]


def test_one_hot_and_integer_targets_train_identically():
    split = load_iris(seed=0)
    histories = [MLP([4, 5, 3]).fit(split.X_train, T, epochs=3, eta=0.1, batch_size=10, progress=False)
                 for T in (split.t_train, np.eye(3)[split.t_train])]
    assert histories[0] == histories[1]


def test_regression_with_identity_output_fits_a_sine():
    rng = np.random.default_rng(0)
    X = rng.uniform(-3, 3, size=(200, 1))
    model = MLP([1, 16, 1], activation="tanh", output="identity", loss="mse", seed=0)
    history = model.fit(X, np.sin(X), epochs=300, eta=0.05, batch_size=16, progress=False)
    assert np.isnan(history["train_accuracy"][0])
    assert model.loss(X, np.sin(X)) < 0.01


def test_progress_bar_can_be_switched_on_and_off(capsys):
    X, t = xor_points()
    MLP([2, 2, 2]).fit(X, t, epochs=3, eta=0.1, batch_size=4, progress=True)
    shown = capsys.readouterr().err
    MLP([2, 2, 2]).fit(X, t, epochs=3, eta=0.1, batch_size=4, progress=False)
    assert "epoch" in shown and capsys.readouterr().err == ""
