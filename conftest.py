"""Reports for the notebooks that nbval executes (the chapters and the labs' source versions).

* the run time of each notebook;
* the labelled equations whose check cells (tagged ``check-eq-<label>``) all passed, against the
  number of labelled equations.
"""

import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "tests"))

from notebook_equations import CHAPTERS, checked_labels, equation_labels, read  # noqa: E402

_seconds = defaultdict(float)
_check_outcomes = defaultdict(list)  # label -> [passed, ...]


def _is_notebook_cell(item) -> bool:
    return hasattr(item, "cell") and str(item.fspath).endswith(".ipynb")


def pytest_runtest_makereport(item, call):
    if call.when != "call" or not _is_notebook_cell(item):
        return
    _seconds[Path(str(item.fspath)).name] += call.duration
    for label in checked_labels(item.cell):
        _check_outcomes[label].append(call.excinfo is None)


def pytest_terminal_summary(terminalreporter):
    if not _seconds:
        return
    write = terminalreporter.write_line
    terminalreporter.section("notebooks run by nbval")
    for name, seconds in sorted(_seconds.items()):
        write(f"{name:40s} {seconds:6.1f} s")
    write(f"{'all notebooks':40s} {sum(_seconds.values()):6.1f} s")
    executed = [p for p in CHAPTERS if p.name in _seconds]
    if not executed:
        return
    labels = [label for path in executed for label in equation_labels(read(path))]
    passing = [label for label in labels if _check_outcomes[label] and all(_check_outcomes[label])]
    write(f"labelled equations: {len(labels)}; with a passing check: {len(passing)}")
    missing = sorted(set(labels) - set(passing))
    if missing:
        write(f"labelled equations without a passing check: {', '.join(missing)}")
