"""Labs 1 and 4 with real nbgrader: wrong and hostile submissions lose exactly the parts they break.

Each submission is the source notebook with one solution cell edited as a student could hand it in;
it is autograded with the course's configuration and its scores are read back from the gradebook.
Expected scores come from the points the source notebooks give each test cell.
"""

import json

import nbformat
import pytest

from test_labs import PATCH_NUMPY, copy_course, edit_function, grade_cells, nbgrader, notebook_path

pytestmark = pytest.mark.slow

LAB1 = "lab1_logistic_regression"
LAB4 = "lab4_deep_networks"

# lab 1: the K-class cross-entropy from the probabilities, or from the logits without the max-shift
LOG_SOFTMAX_LINE = "    log_y = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))"
FROM_PROBABILITIES = "    log_y = np.log(softmax(A))"
NO_SHIFT = "    log_y = A - np.log(np.sum(np.exp(A), axis=1, keepdims=True))"
# lab 1: the 2-class cross-entropy from the probabilities
SOFTPLUS_LINE = "    return float(np.sum(softplus - t * a))"
BINARY_FROM_PROBABILITIES = "    y = sigmoid(a)\n    return float(-np.sum(t * np.log(y) + (1 - t) * np.log(1 - y)))"
# lab 1: the K-class gradient transposed, Phi^T (Y - T) of shape (M, K)
GRADIENT_LINE = "    return (Y - T).T @ Phi"
TRANSPOSED_GRADIENT = "    return Phi.T @ (Y - T)"
# lab 4: the fan-in M_l where the delta recursion's sum has M_(l+1) terms
FAN_OUT_LINE = "M_next = W[l + 1].shape[0]"
FAN_IN_LINE = "M_next = W[l + 1].shape[1]"
# lab 4: He's rule for leaky ReLU units, ignoring alpha
LEAKY_LINE = "return float(np.sqrt(2.0 / ((1.0 + alpha**2) * fan_in)))"
HE_LINE = "return float(np.sqrt(2.0 / fan_in))"


def with_patched_numpy(nb):
    nb.cells.insert(3, nbformat.v4.new_code_cell(PATCH_NUMPY))
    return nb


def submissions(source):
    copy = lambda: nbformat.from_dict(json.loads(json.dumps(source)))  # noqa: E731
    return copy


def lab1_submissions(source):
    copy = submissions(source)
    return {
        "ce_from_probabilities": edit_function(copy(), "softmax_cross_entropy", (LOG_SOFTMAX_LINE, FROM_PROBABILITIES)),
        "ce_without_shift": edit_function(copy(), "softmax_cross_entropy", (LOG_SOFTMAX_LINE, NO_SHIFT)),
        "binary_ce_from_probabilities": edit_function(copy(), "cross_entropy", (SOFTPLUS_LINE, BINARY_FROM_PROBABILITIES)),
        "transposed_gradient": edit_function(copy(), "softmax_gradient", (GRADIENT_LINE, TRANSPOSED_GRADIENT)),
        "ce_from_probabilities_patches_numpy": with_patched_numpy(
            edit_function(copy(), "softmax_cross_entropy", (LOG_SOFTMAX_LINE, FROM_PROBABILITIES))),
    }


def lab4_submissions(source):
    copy = submissions(source)
    return {
        "factor_with_fan_in": edit_function(copy(), "delta_factors", (FAN_OUT_LINE, FAN_IN_LINE)),
        "leaky_as_he": edit_function(copy(), "leaky_relu_std", (LEAKY_LINE, HE_LINE)),
        "factor_with_fan_in_patches_numpy": with_patched_numpy(
            edit_function(copy(), "delta_factors", (FAN_OUT_LINE, FAN_IN_LINE))),
    }


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """Labs 1 and 4 released, the submissions above handed in, autograded."""
    course = copy_course(tmp_path_factory.mktemp("course"))
    for lab, make in ((LAB1, lab1_submissions), (LAB4, lab4_submissions)):
        nbgrader(course, "generate_assignment", lab, "--force")
        source = nbformat.read(notebook_path(course, "source", lab), 4)
        for student, nb in make(source).items():
            path = notebook_path(course, "submitted", lab, student)
            path.parent.mkdir(parents=True)
            nbformat.write(nb, path)
        nbgrader(course, "autograde", lab)
    return course


def scores(course, lab, student) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        notebook = gradebook.find_submission_notebook(lab, lab, student)
        return {grade.name: grade.score for grade in notebook.grades if grade.name in grade_cells(lab)}


def failed(course, lab, student) -> list[str]:
    return sorted(name for name, score in scores(course, lab, student).items() if score == 0)


def output(course, lab, student, grade_id) -> str:
    graded = nbformat.read(notebook_path(course, "autograded", lab, student), 4)
    cell = next(c for c in graded.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    return "\n".join(str(o.get("text", "")) + str(o.get("evalue", "")) for o in cell.outputs)


def test_every_graded_cell_exists_and_the_points_add_up():
    assert sum(grade_cells(LAB1).values()) == 18
    assert sum(grade_cells(LAB4).values()) == 14
    plumbing = grade_cells(LAB4)["test_gradient_norms_values"] + grade_cells(LAB4)["test_same_on_torch"]
    assert plumbing / sum(grade_cells(LAB4).values()) < 0.2, "gradient_norms and same_on_torch should be a small share"


def test_cross_entropy_from_probabilities_loses_exactly_its_stability_test(course):
    """ln(softmax(A)) is right for moderate logits and -inf where a probability underflows: only the stability
    part fails, and the message says to use the logits."""
    assert failed(course, LAB1, "ce_from_probabilities") == ["test_softmax_cross_entropy_stable"]
    text = output(course, LAB1, "ce_from_probabilities", "test_softmax_cross_entropy_stable")
    assert "from the logits" in text and "np.log(softmax(A))" in text, text
    assert "overflowed" not in text, "the message names a bug that is not there (the missing max-shift)"


def test_cross_entropy_without_the_max_shift_loses_exactly_its_stability_test(course):
    assert failed(course, LAB1, "ce_without_shift") == ["test_softmax_cross_entropy_stable"]
    text = output(course, LAB1, "ce_without_shift", "test_softmax_cross_entropy_stable")
    assert "subtract each row's maximum" in text and "np.log(softmax(A))" not in text, text


def test_binary_cross_entropy_from_probabilities_loses_exactly_its_stability_test(course):
    assert failed(course, LAB1, "binary_ce_from_probabilities") == ["test_cross_entropy_stable"]
    text = output(course, LAB1, "binary_ce_from_probabilities", "test_cross_entropy_stable")
    assert "Use the logits" in text, text


def test_transposed_gradient_fails_the_gradient_and_training_and_is_named(course):
    assert failed(course, LAB1, "transposed_gradient") == sorted([
        "test_softmax_gradient_values", "test_softmax_gradient_autograd", "test_fit_softmax_update",
        "test_fit_softmax_digits"])
    assert "transposed" in output(course, LAB1, "transposed_gradient", "test_softmax_gradient_values")


def test_fan_in_for_fan_out_loses_exactly_the_delta_factor_cells(course):
    assert failed(course, LAB4, "factor_with_fan_in") == ["test_delta_factors_measured", "test_delta_factors_values"]
    text = output(course, LAB4, "factor_with_fan_in", "test_delta_factors_values")
    assert "you used M_l, the fan-in of layer l + 1" in text, text


def test_he_rule_for_leaky_relu_loses_exactly_its_cells(course):
    assert failed(course, LAB4, "leaky_as_he") == ["test_leaky_relu_std_depth", "test_leaky_relu_std_values"]
    assert "He's rule, which ignores alpha" in output(course, LAB4, "leaky_as_he", "test_leaky_relu_std_values")


@pytest.mark.parametrize("lab, student", [(LAB1, "ce_from_probabilities"), (LAB4, "factor_with_fan_in")])
def test_patching_numpy_gains_nothing(course, lab, student):
    assert scores(course, lab, f"{student}_patches_numpy") == scores(course, lab, student)
