"""Tests for dlcore.data: toy generators, the stratified split and the bundled loaders."""

import numpy as np
import pytest
from sklearn.svm import LinearSVC

from dlcore import data

TOY_GENERATORS = {
    "separable_blobs": lambda seed: data.make_separable_blobs(n=101, seed=seed),
    "xor": lambda seed: data.make_xor(n=101, seed=seed),
    "moons": lambda seed: data.make_moons(n=101, seed=seed),
    "spirals": lambda seed: data.make_spirals(n=101, n_classes=3, seed=seed),
}


@pytest.mark.parametrize("name", TOY_GENERATORS)
def test_toy_generator_shapes_and_dtypes(name):
    X, t = TOY_GENERATORS[name](0)
    assert X.shape == (101, 2), f"{name}: X shape {X.shape}"
    assert t.shape == (101,), f"{name}: t shape {t.shape}"
    assert X.dtype == np.float64 and t.dtype == np.int64, f"{name}: dtypes {X.dtype}, {t.dtype}"
    assert np.all(np.isfinite(X)), f"{name}: non-finite X"


@pytest.mark.parametrize("name", TOY_GENERATORS)
def test_toy_generator_same_seed_same_data_other_seed_other_data(name):
    X0, t0 = TOY_GENERATORS[name](0)
    X0_again, t0_again = TOY_GENERATORS[name](0)
    X1, _ = TOY_GENERATORS[name](1)
    assert np.array_equal(X0, X0_again) and np.array_equal(t0, t0_again), f"{name}: not deterministic"
    assert not np.allclose(X0, X1), f"{name}: seeds 0 and 1 gave the same X"


def test_separable_blobs_have_margin_and_a_linear_separator():
    X, t = data.make_separable_blobs(n=400, seed=3)
    assert set(np.unique(t)) == {0, 1}
    signed_distance = X @ np.array([1.0, 1.0]) / np.sqrt(2.0)
    assert signed_distance[t == 0].max() <= -0.5, "class 0 point inside the margin"
    assert signed_distance[t == 1].min() >= 0.5, "class 1 point inside the margin"
    accuracy = LinearSVC(C=100.0).fit(X, t).score(X, t)
    assert accuracy == 1.0, f"a linear classifier should separate the blobs, training accuracy {accuracy}"


def test_xor_points_are_exactly_the_four_corners():
    X, t = data.xor_points()
    assert X.dtype == np.float64 and t.dtype == np.int64
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(t, [0, 1, 1, 0])


def test_make_xor_labels_follow_the_nearest_corner_for_small_noise():
    X, t = data.make_xor(n=200, noise=0.05, seed=0)
    corner_bits = np.rint(X).astype(int)
    np.testing.assert_array_equal(t, corner_bits[:, 0] ^ corner_bits[:, 1])
    assert np.bincount(t).tolist() == [100, 100], "XOR classes should be balanced"


@pytest.mark.parametrize("n, n_classes", [(300, 3), (301, 3), (200, 4)])
def test_spirals_have_n_points_and_balanced_classes(n, n_classes):
    X, t = data.make_spirals(n=n, n_classes=n_classes, seed=0)
    counts = np.bincount(t, minlength=n_classes)
    assert len(X) == n and counts.sum() == n
    assert len(counts) == n_classes and counts.max() - counts.min() <= 1, f"unbalanced classes {counts}"
    assert np.all(np.linalg.norm(X, axis=1) <= 1.0 + 1e-12), "spiral radius should stay within 1"


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: data.make_separable_blobs(n=1), "n must be an integer >= 2"),
        (lambda: data.make_xor(noise=-0.1), "noise must be"),
        (lambda: data.make_spirals(n=2, n_classes=3), "n must be an integer >= 3"),
    ],
)
def test_generators_reject_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def _indexed_data(n=300, n_features=4, seed=0):
    """Raw data whose first column is the row index, so rows can be recovered after the split."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.arange(n, dtype=float), 5.0 + 3.0 * rng.normal(size=(n, n_features - 1))])
    t = np.repeat([0, 1, 2], [n // 2, n // 3, n - n // 2 - n // 3])
    return X, t


def _row_indices(split, X_part):
    raw = X_part * split.std + split.mean
    return np.rint(raw[:, 0]).astype(int), raw


def test_split_parts_are_disjoint_and_cover_all_rows():
    X, t = _indexed_data()
    split = data.split_standardise(X, t, val_fraction=0.2, test_fraction=0.2, seed=0)
    parts = [split.X_train, split.X_val, split.X_test]
    indices = [_row_indices(split, part)[0] for part in parts]
    all_indices = np.concatenate(indices)
    assert len(all_indices) == len(X), f"parts hold {len(all_indices)} rows, data has {len(X)}"
    assert sorted(all_indices) == list(range(len(X))), "parts overlap or miss rows"
    for index, part, labels in zip(indices, parts, [split.t_train, split.t_val, split.t_test]):
        np.testing.assert_allclose(_row_indices(split, part)[1], X[index], atol=1e-9)
        np.testing.assert_array_equal(labels, t[index], err_msg="labels do not follow their rows")
    assert [len(i) for i in indices] == [180, 60, 60]


def test_split_is_stratified():
    X, t = _indexed_data()
    split = data.split_standardise(X, t, seed=1)
    overall = np.bincount(t) / len(t)
    for name, labels in [("train", split.t_train), ("val", split.t_val), ("test", split.t_test)]:
        proportions = np.bincount(labels, minlength=3) / len(labels)
        np.testing.assert_allclose(proportions, overall, atol=0.02, err_msg=f"{name} proportions {proportions} vs {overall}")


def test_standardisation_uses_training_statistics_only():
    X, t = _indexed_data()
    split = data.split_standardise(X, t, seed=2)
    np.testing.assert_allclose(split.X_train.mean(axis=0), 0.0, atol=1e-10, err_msg="training mean should be 0")
    np.testing.assert_allclose(split.X_train.std(axis=0), 1.0, rtol=1e-10, err_msg="training std should be 1")
    train_rows = X[_row_indices(split, split.X_train)[0]]
    np.testing.assert_allclose(split.mean, train_rows.mean(axis=0), err_msg="mean is not the training-row mean")
    np.testing.assert_allclose(split.std, train_rows.std(axis=0), err_msg="std is not the training-row std")
    assert not np.allclose(split.mean, X.mean(axis=0)), "mean should differ from the mean over all rows"


def test_split_dtypes_names_and_properties():
    X, t = _indexed_data()
    split = data.split_standardise(X.astype(np.float32), t.astype(np.int32), class_names=["a", "b", "c"])
    for name in ("X_train", "X_val", "X_test"):
        assert getattr(split, name).dtype == np.float64, f"{name} dtype"
    for name in ("t_train", "t_val", "t_test"):
        assert getattr(split, name).dtype == np.int64, f"{name} dtype"
    assert split.mean.shape == split.std.shape == (4,)
    assert split.feature_names == ("x1", "x2", "x3", "x4")
    assert split.class_names == ("a", "b", "c")
    assert (split.n_features, split.n_classes) == (4, 3)


def test_split_without_standardisation_keeps_raw_values():
    X, t = _indexed_data()
    split = data.split_standardise(X, t, standardise=False)
    np.testing.assert_array_equal(split.mean, 0.0)
    np.testing.assert_array_equal(split.std, 1.0)
    np.testing.assert_array_equal(split.X_train, X[split.X_train[:, 0].astype(int)])


def test_zero_val_fraction_gives_empty_validation_arrays():
    X, t = _indexed_data()
    split = data.split_standardise(X, t, val_fraction=0.0, test_fraction=0.25)
    assert split.X_val.shape == (0, 4) and split.t_val.shape == (0,)
    assert (len(split.t_train), len(split.t_test)) == (225, 75)


def test_constant_feature_is_centred_not_turned_into_nan():
    X, t = _indexed_data()
    X[:, 2] = 7.0
    split = data.split_standardise(X, t)
    assert split.std[2] == 1.0, f"constant feature should get std 1, got {split.std[2]}"
    for part in (split.X_train, split.X_val, split.X_test):
        assert np.all(np.isfinite(part)), "standardisation produced NaN/inf"
        np.testing.assert_allclose(part[:, 2], 0.0)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"val_fraction": -0.1}, r"val_fraction must lie in \[0, 1\), got -0.1"),
        ({"test_fraction": 1.0}, r"test_fraction must lie in \[0, 1\), got 1.0"),
        ({"val_fraction": 0.5, "test_fraction": 0.5}, "val_fraction \\+ test_fraction must be < 1"),
    ],
)
def test_bad_fractions_raise_value_error(kwargs, message):
    X, t = _indexed_data()
    with pytest.raises(ValueError, match=message):
        data.split_standardise(X, t, **kwargs)


@pytest.mark.parametrize(
    "X, t, message",
    [
        (np.zeros((10, 2)), np.zeros(9, dtype=int), r"same length, got len\(X\)=10 and len\(t\)=9"),
        (np.zeros(10), np.zeros(10, dtype=int), r"X must be 2-D .*got shape \(10,\)"),
        (np.full((10, 2), np.nan), np.zeros(10, dtype=int), "X must be finite"),
        (np.zeros((10, 2)), np.full(10, 0.5), "integer labels"),
    ],
)
def test_bad_arrays_raise_value_error(X, t, message):
    with pytest.raises(ValueError, match=message):
        data.split_standardise(X, t)


def test_wrong_number_of_names_raises_value_error():
    X, t = _indexed_data()
    with pytest.raises(ValueError, match="expected 4 feature names, got 2"):
        data.split_standardise(X, t, feature_names=["a", "b"])


@pytest.mark.parametrize(
    "loader, n_features, n_classes",
    [
        (data.load_breast_cancer, 30, 2),
        (data.load_iris, 4, 3),
        (data.load_wine, 13, 3),
        (data.load_digits, 64, 10),
    ],
)
def test_loaders_return_standardised_splits(loader, n_features, n_classes):
    split = loader(seed=0)
    assert (split.n_features, split.n_classes) == (n_features, n_classes), loader.__name__
    assert len(split.feature_names) == n_features and len(split.class_names) == n_classes
    assert all(isinstance(name, str) for name in split.feature_names + split.class_names)
    for labels in (split.t_train, split.t_val, split.t_test):
        assert set(np.unique(labels)) == set(range(n_classes)), f"{loader.__name__}: a class is missing from a part"
    for part in (split.X_train, split.X_val, split.X_test):
        assert part.shape[1] == n_features and np.all(np.isfinite(part)), f"{loader.__name__}: bad part"


def test_digits_zero_variance_pixels_give_no_nan():
    split = data.load_digits(seed=0)
    constant_pixels = np.flatnonzero(split.std == 1.0)
    assert len(constant_pixels) > 0, "digits should have pixels that are constant in training"
    assert np.all(np.isfinite(split.X_train)) and np.all(np.isfinite(split.X_test))


def test_loader_kwargs_reach_split_standardise():
    split = data.load_iris(seed=0, val_fraction=0.0, test_fraction=0.2)
    assert split.X_val.shape == (0, 4)
    assert (len(split.t_train), len(split.t_test)) == (120, 30)
