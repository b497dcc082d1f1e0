"""Reports at the end of ``make test``.

* the run time of each notebook: the chapters as the book build executed them (read back by
  ``tests/test_chapters_execute.py``), the labs' source versions as nbval ran them;
* the labelled equations whose check cells (tagged ``check-eq-<label>``) all passed, against the
  number of labelled equations.
"""

from collections import defaultdict
from pathlib import Path

_lab_seconds = defaultdict(float)


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: builds the book, drives a browser or runs nbgrader (not in `make check`)")
    config.addinivalue_line("markers", "cuda: needs a CUDA GPU (skipped without one; `pytest -m cuda` runs these)")
    config.chapter_runs = {}


def pytest_runtest_makereport(item, call):
    if call.when == "call" and hasattr(item, "cell") and str(item.fspath).endswith(".ipynb"):
        _lab_seconds[Path(str(item.fspath)).name] += call.duration


def pytest_terminal_summary(terminalreporter, config):
    runs = config.chapter_runs
    if not runs and not _lab_seconds:
        return
    write = terminalreporter.write_line
    terminalreporter.section("notebook run times")
    seconds = {f"chapters/{stem}.ipynb (book build)": run["seconds"] or 0.0 for stem, run in sorted(runs.items())}
    seconds.update({f"{name} (nbval)": s for name, s in sorted(_lab_seconds.items())})
    for name, s in seconds.items():
        write(f"{name:55s} {s:6.1f} s")
    if runs:
        write(f"{'all chapters':55s} {sum(r['seconds'] or 0.0 for r in runs.values()):6.1f} s")
        labels = [label for run in runs.values() for label in run["labels"]]
        passing = [label for run in runs.values() for label in run["passing"]]
        write(f"labelled equations: {len(labels)}; with a passing check: {len(passing)}")
