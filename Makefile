# Two commands for a newcomer: `make book` and `make test` (see README.md); `make check` is the fast tier.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# From npm: the hub's proxy and MathJax 2 for the formgrader's pages (hub/package.json)
NODE_STAMP := hub/node_modules/.installed

.PHONY: setup book test check lab hub bench release autograde grading-scheduler grading-worker feedback validate roster grades clean

LABS := $(notdir $(wildcard labs/source/*))
RELEASED := $(foreach lab,$(LABS),labs/release/$(lab)/$(lab).ipynb)
# nbgrader runs in the course directory, with the virtual environment first on PATH
NBGRADER := cd labs && PATH="$(abspath $(BIN)):$$PATH" nbgrader

setup: $(STAMP) $(NODE_STAMP)

# (Re)install whenever the pinned requirements or the package metadata change.
$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

$(NODE_STAMP): hub/package.json hub/package-lock.json
	npm ci --prefix hub --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

# The labs' student versions are made again only where a source is newer, so a rebuild with nothing
# changed skips nbgrader (and leaves a student's edits in labs/release/ alone).
book: $(RELEASED) | $(STAMP)
	$(BIN)/jupyter-book build . -W --keep-going
	@echo "The book is in _build/html/index.html"

# The whole suite: dlcore, the labs with real nbgrader, the book build (which runs every chapter once)
# and the built book in a browser.
test: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m pytest

# The fast tier: dlcore and the labs' solutions; no chapter, no book build, no browser, no nbgrader run.
check: $(STAMP)
	$(BIN)/python -m pytest -m "not slow" tests labs/source

# JupyterLab on this machine only, its terminals with the course's tools (nbgrader) on their path, the
# formgrader's maths typeset offline (jupyter_server_config.py);
# ARGS passes options through (ARGS="--port 8890 --no-browser").
lab: $(STAMP) $(NODE_STAMP)
	PATH="$(abspath $(BIN)):$$PATH" JUPYTER_CONFIG_PATH="$(CURDIR)$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}" \
	  $(BIN)/jupyter lab --ip=127.0.0.1 $(if $(filter 0,$(shell id -u)),--allow-root) $(ARGS)

# The course on a JupyterHub on this machine (127.0.0.1:HUB_PORT), as root: an account per student of
# labs/roster.csv, the nbgrader exchange, the instructor's formgrader (see the hub's page in the book).
# make hub [HUB_PORT=8000] [ROSTER=file] [NBGRADER_EXCHANGE=/srv/nbgrader/exchange] [HUB_STATE=hub/state] [COURSE=labs]
hub: $(STAMP) $(NODE_STAMP) $(RELEASED)
	$(if $(HUB_PORT),HUB_PORT=$(HUB_PORT)) $(if $(ROSTER),ROSTER=$(ROSTER)) $(if $(HUB_STATE),HUB_STATE=$(HUB_STATE)) \
	  $(if $(NBGRADER_EXCHANGE),NBGRADER_EXCHANGE=$(NBGRADER_EXCHANGE)) $(if $(COURSE),COURSE=$(COURSE)) \
	  $(BIN)/python hub/start.py

# OpenBLAS picks the kernel for this CPU by itself unless OPENBLAS_CORETYPE forces one;
# the benchmark measures the kernel a student's machine would use (it prints which).
bench: $(STAMP)
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BIN)/python bench/throughput.py
	$(BIN)/python bench/autograde_time.py
	$(BIN)/python bench/grading_scale.py

# --- the labs (nbgrader; see the instructors' guide in the book) ---

release: $(STAMP)  ## the student versions of all labs, in labs/release/ (all made again, overwriting)
	@for lab in $(LABS); do ($(NBGRADER) generate_assignment $$lab --force --log-level=WARN) || exit 1; done
	@echo "Student versions are in labs/release/"

# One lab's student version, when its source or the nbgrader configuration is newer than it.
labs/release/%.ipynb: labs/source/%.ipynb labs/nbgrader_config.py | $(STAMP)
	$(NBGRADER) generate_assignment $(notdir $(*D)) --force --log-level=WARN

# make autograde [JOBS=n] [ENGINE=dask] [SCHEDULER=tcp://host:8786] [FORCE=1] [STUDENT=id] [LAB=name] [UNSANDBOXED=1]
autograde: $(RELEASED)  ## grade the submissions in labs/submitted/<student>/<lab>/ not yet graded (see the instructors' guide)
	$(BIN)/python labs/autograde.py $(if $(JOBS),--jobs $(JOBS)) $(if $(ENGINE),--engine $(ENGINE)) \
	  $(if $(SCHEDULER),--scheduler $(SCHEDULER)) $(if $(FORCE),--force) $(if $(STUDENT),--student $(STUDENT)) \
	  $(if $(LAB),--lab $(LAB)) $(if $(UNSANDBOXED),--unsandboxed)

# Grading on many machines: one scheduler, and workers on every machine that has this course set up (make setup).
grading-scheduler: $(STAMP)  ## a Dask scheduler for make autograde SCHEDULER=tcp://<this host>:8786
	$(BIN)/dask scheduler --port 8786 --no-dashboard

grading-worker: $(STAMP)  ## make grading-worker SCHEDULER=tcp://host:8786 [JOBS=n]: this machine grades for that scheduler
	@test -n "$(SCHEDULER)" || { echo "Name the scheduler: make grading-worker SCHEDULER=tcp://host:8786"; exit 2; }
	PYTHONPATH="$(abspath labs)" $(BIN)/dask worker $(SCHEDULER) --nthreads 1 --nworkers $(or $(JOBS),auto) --no-dashboard

feedback: $(STAMP)  ## an HTML feedback file per graded submission, in labs/feedback/
	@for lab in $(LABS); do \
	  if ls -d labs/autograded/*/$$lab >/dev/null 2>&1; then ($(NBGRADER) generate_feedback $$lab) || exit 1; fi; \
	done

# make validate [LAB=name]: each lab's solutions pass every test, and its student version fails them
validate: $(RELEASED)
	@for lab in $(or $(LAB),$(LABS)); do \
	  ($(NBGRADER) validate source/$$lab/$$lab.ipynb) && ($(NBGRADER) validate --invert release/$$lab/$$lab.ipynb) || exit 1; \
	done

roster: $(STAMP)  ## the students of labs/roster.csv and the due dates of labs/due_dates.csv into the gradebook
	$(BIN)/python labs/roster.py

grades: $(STAMP)  ## labs/grades.csv (a row per student, a column per lab) and labs/grades_by_test.csv
	$(NBGRADER) export --to grades.csv --log-level=WARN
	@echo "Grades are in labs/grades.csv, each test's points in labs/grades_by_test.csv"

clean:
	rm -rf _build .pytest_cache
