"""Lab 5 (learning dynamics) with real nbgrader: right, wrong and hostile submissions, scored from the gradebook.

Like ``test_labs.py`` does for lab 3: a copy of the course is made in a temporary folder, lab 5 is
released, submissions are made from its source and release notebooks by editing their cells as students
would, autograded with the course's configuration, and fed back. Each usual bug must cost exactly the
test cells of the part it breaks, and their messages must name it; hostile submissions gain nothing.
"""

import html
import json

import nbformat
import pytest

from test_labs import PATCH_NUMPY, ROOT, copy_course, edit_function, grade_cells, nbgrader, notebook_path, scores

pytestmark = pytest.mark.slow

LAB5 = "lab5_learning_dynamics"
GD = ["test_gd_path_shape", "test_gd_steps"]
ETA = ["test_largest_stable_eta", "test_eta_on_quadratics"]
MSE = ["test_delta_mse_autograd", "test_delta_mse_values"]
CE = ["test_delta_cross_entropy"]
POSTERIOR_VALUES = ["test_posterior_k_classes", "test_posterior_two_classes"]

# (solution cell, (text in the solution, the student's text)), the test cells it must fail, and what their messages
# say: one text for all of them, or a text per test cell
BUGS = {
    "gd_goes_uphill": ("gradient_descent", ("path[tau - 1] - eta *", "path[tau - 1] + eta *"),
                       ["test_gd_steps"], "the steps go uphill"),
    "gd_gradient_at_start": ("gradient_descent", ("grad_E(path[tau - 1])", "grad_E(path[0])"),
                             ["test_gd_steps"], "every step uses the gradient at w0"),
    "gd_without_start": ("gradient_descent", ("    return path\n", "    return path[1:]\n"),
                         GD, "is w0 missing?"),
    "eta_one_over_lambda": ("largest_stable_eta", ("2.0 / lambdas[-1]", "1.0 / lambdas[-1]"),
                            ETA, {"test_largest_stable_eta": "1 / lambda_max: that is where oscillation starts",
                                  "test_eta_on_quadratics": "your bound is too small"}),
    "eta_of_smallest_eigenvalue": ("largest_stable_eta", ("2.0 / lambdas[-1]", "2.0 / lambdas[0]"),
                                   ETA, {"test_largest_stable_eta": "2 / lambda_min",
                                         "test_eta_on_quadratics": "your bound is too large"}),
    "mse_without_g_prime": ("output_delta_mse", ("return (y - t) * sigmoid_prime(a, y)", "return y - t"),
                            MSE, "the factor sigma'(a) is missing"),
    "mse_g_prime_of_y": ("output_delta_mse", ("sigmoid_prime(a, y)", "sigmoid_prime(y)"),
                         MSE, "sigma' is taken at the output y"),
    "mse_sign_flipped": ("output_delta_mse", ("(y - t) * sigmoid_prime", "(t - y) * sigmoid_prime"),
                         MSE, "the sign is flipped"),
    "ce_sign_flipped": ("output_delta_cross_entropy", ("return sigmoid(a) - t", "return t - sigmoid(a)"),
                        CE, "the sign is flipped"),
    "ce_with_g_prime": ("output_delta_cross_entropy", ("return sigmoid(a) - t", "return (sigmoid(a) - t) * sigmoid_prime(a)"),
                        CE, "which cancels for cross-entropy"),
    "posterior_without_priors": ("bayes_posterior", (" + np.log(priors)", ""),
                                 POSTERIOR_VALUES, "the priors are missing"),
    "posterior_without_shift": ("bayes_posterior", ("np.exp(a - a.max(axis=1, keepdims=True))", "np.exp(a)"),
                                ["test_posterior_far_away"], "Subtract each row's largest a_k"),
    "posterior_without_validation": ("bayes_posterior", ("raise ValueError(", "print("),
                                     ["test_posterior_bad_input"], "should raise a ValueError"),
}


def lab5_submissions(source, release):
    """Submissions of lab 5 as students could hand them in, by name."""
    copy = lambda: nbformat.from_dict(json.loads(json.dumps(source)))  # noqa: E731
    subs = {"solution": copy(), "untouched": nbformat.from_dict(json.loads(json.dumps(release)))}
    for student, (cell, replace, _, _) in BUGS.items():
        subs[student] = edit_function(copy(), cell, replace)
    patched = edit_function(copy(), "bayes_posterior", BUGS["posterior_without_priors"][1])
    patched.cells.insert(2, nbformat.v4.new_code_cell(PATCH_NUMPY))
    subs["no_priors_patches_numpy"] = patched
    edited = copy()
    tests = [c for c in edited.cells if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"
             and not c.metadata.nbgrader.get("solution")]
    tests[0].source = '"""gradient_descent: always passes."""\npass'
    edited.cells.remove(tests[-1])
    subs["edits_and_deletes_tests"] = edit_function(edited, "output_delta_mse", BUGS["mse_without_g_prime"][1])
    return subs


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A fresh course with lab 5 released, its submissions autograded and fed back."""
    course = copy_course(tmp_path_factory.mktemp("course"))
    nbgrader(course, "generate_assignment", LAB5, "--force")
    source = nbformat.read(notebook_path(course, "source", LAB5), 4)
    release = nbformat.read(notebook_path(course, "release", LAB5), 4)
    for student, nb in lab5_submissions(source, release).items():
        path = notebook_path(course, "submitted", LAB5, student)
        path.parent.mkdir(parents=True)
        nbformat.write(nb, path)
    nbgrader(course, "autograde", LAB5)
    nbgrader(course, "generate_feedback", LAB5)
    return course


def failed_cells(course, student):
    return sorted(name for name, score in scores(course, LAB5, student).items() if score == 0)


def test_solution_gets_every_point_and_the_release_none(course):
    assert scores(course, LAB5, "solution") == grade_cells(LAB5)
    assert set(scores(course, LAB5, "untouched").values()) == {0.0}
    assert 10 <= sum(grade_cells(LAB5).values()) <= 15, "about 10 to 15 points are graded automatically"


def test_each_part_gives_partial_credit():
    """Every graded function has at least one test cell of its own, so each part's mistakes cost only its points."""
    source = nbformat.read(notebook_path(ROOT / "labs", "source", LAB5), 4)
    functions = [c.metadata.nbgrader["grade_id"] for c in source.cells
                 if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")]
    assert functions == ["gradient_descent", "largest_stable_eta", "output_delta_mse", "output_delta_cross_entropy",
                         "bayes_posterior"]
    assert len(grade_cells(LAB5)) >= 2 * 3, "several test cells per part"


def cell_output(course, student, grade_id) -> str:
    graded = nbformat.read(notebook_path(course, "autograded", LAB5, student), 4)
    cell = next(c for c in graded.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    return "\n".join(str(o.get("text", "")) + str(o.get("evalue", "")) for o in cell.outputs)


@pytest.mark.parametrize("student", BUGS)
def test_a_usual_bug_costs_exactly_its_part_and_is_named(course, student):
    """The bug fails the test cells of its own part, no other, and the message of each (in the autograded
    notebook and in the feedback) says what is wrong."""
    _, _, failing, named = BUGS[student]
    assert failed_cells(course, student) == sorted(failing)
    feedback = html.unescape((course / "feedback" / student / LAB5 / f"{LAB5}.html").read_text())
    for grade_id in failing:
        text = named if isinstance(named, str) else named[grade_id]
        assert text in cell_output(course, student, grade_id), f"{grade_id} should say {text!r}"
        assert text in feedback, f"the feedback should say {text!r}"


def test_patching_numpy_gains_nothing(course):
    assert scores(course, LAB5, "no_priors_patches_numpy") == scores(course, LAB5, "posterior_without_priors")
    assert failed_cells(course, "no_priors_patches_numpy") == POSTERIOR_VALUES


def test_edited_and_deleted_tests_are_graded_with_the_original_tests(course):
    """A test cell replaced by `pass` and another deleted: both run as written in the source, so the
    submission's bug (a missing sigma') costs what it costs without the edits."""
    assert failed_cells(course, "edits_and_deletes_tests") == MSE
    assert scores(course, LAB5, "edits_and_deletes_tests") == scores(course, LAB5, "mse_without_g_prime")


def test_the_feedback_names_each_test_by_what_it_checks(course):
    feedback = html.unescape((course / "feedback" / "mse_without_g_prime" / LAB5 / f"{LAB5}.html").read_text())
    summary = feedback[feedback.index('<div id="toc">'):feedback.index("</ol>", feedback.index('<div id="toc">'))]
    for test in grade_cells(LAB5):
        assert f'<a href="#{test}">' in summary, f"{test} is missing from the summary"
    assert ("output_delta_mse equals dE/da of the sum-of-squares error computed by torch autograd, saturated units too: "
            "FAILED") in summary
    assert "output_delta_cross_entropy equals dE/da of the cross-entropy computed by torch autograd: y - t: passed" in summary


def test_the_written_answers_are_left_to_the_grader(course):
    """The two written answers reach the student as an empty answer cell and are graded by hand, not autograded."""
    release = nbformat.read(notebook_path(course, "release", LAB5), 4)
    answers = {c.metadata.nbgrader["grade_id"]: c for c in release.cells
               if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("grade")}
    assert sorted(answers) == ["answer_costs_posteriors", "answer_learning_rate"]
    assert all(c.source.strip() == "YOUR ANSWER HERE" and c.metadata.nbgrader["points"] == 2 for c in answers.values())
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        notebook = gradebook.find_submission_notebook(LAB5, LAB5, "solution")
        manual = {grade.name: grade for grade in notebook.grades if grade.name in answers}
    assert sorted(manual) == sorted(answers) and all(grade.needs_manual_grade for grade in manual.values())
