# Two commands on a fresh machine: `make run` and `make test`. Both are idempotent.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -q
OUT    := build

.PHONY: run report test test-all lint typecheck evaluate model bench profile instructions fuzz \
	fuzz-readers clean system-packages-test system-packages-report floors snapshots mutation \
	regex-audit

# Debian packages beyond Python: LibreOffice converts .doc/.wps/.rtf/.odt (its Python bridge,
# python3-uno, keeps one running per worker), a CJK font draws the report's charts, Chromium
# opens the report in a test. tools/system-packages installs
# the missing ones with apt-get (as root or with sudo), or stops and says what to run.
# `make run` needs none of them (the bundled corpus is plain text).
TEST_PACKAGES   := libreoffice-writer-nogui python3-uno fonts-noto-cjk chromium
REPORT_PACKAGES := fonts-noto-cjk

system-packages-test:
	@tools/system-packages $(TEST_PACKAGES)

system-packages-report:
	@tools/system-packages $(REPORT_PACKAGES)

$(PY):
	$(PYTHON) -m venv $(VENV)

# Re-install only when the package metadata changed.
$(VENV)/.installed: pyproject.toml | $(PY)
	$(PIP) install -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(PY)
	$(PIP) install -e '.[dev]'
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	@mkdir -p $(OUT)
	$(VENV)/bin/unionnlp convert corpora --exclude '*.json' --exclude '*.md' -o $(OUT)/corpus.jsonl

# The comparison report of the bundled corpus (after `make run`): build/report/report.html
$(VENV)/.installed-compare: pyproject.toml | $(PY)
	$(PIP) install -e '.[compare]'
	touch $@

report: system-packages-report run $(VENV)/.installed-compare
	$(VENV)/bin/unionnlp compare $(OUT)/corpus.jsonl --by unit_type -o $(OUT)/report

test: system-packages-test $(VENV)/.installed-dev
	$(PY) -m pytest

test-all: system-packages-test $(VENV)/.installed-dev
	$(PY) -m pytest -m ''

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check unionnlp tests

typecheck: $(VENV)/.installed-dev
	$(VENV)/bin/mypy

# Benchmarks are not part of `make test`: they compare against other libraries in one run.
$(VENV)/.installed-bench: pyproject.toml | $(PY)
	$(PIP) install -e '.[dev,bench]'
	touch $@ $(VENV)/.installed $(VENV)/.installed-dev

bench: $(VENV)/.installed-bench
	@mkdir -p $(OUT)
	$(PY) benchmarks/deadlines_vs_jionlp.py --json $(OUT)/bench_deadlines.json
	$(PY) benchmarks/bench.py --json $(OUT)/bench.json
	$(PY) benchmarks/office.py --json $(OUT)/bench_office.json

# A pyinstrument call tree of parse over the benchmark corpus (build/profile.html).
profile: $(VENV)/.installed-bench
	@mkdir -p $(OUT)
	$(PY) benchmarks/profile_parse.py --html $(OUT)/profile.html

# The worst time found for each shipped pattern on the scans that run without a regex
# time budget (unionnlp.errors.regex_timeout); fails when one comes near the budget.
regex-audit: $(VENV)/.installed-dev
	$(PY) benchmarks/regex_audit.py

# Instructions of parse (without themes) by shared object, under valgrind's callgrind.
instructions: $(VENV)/.installed-bench
	command -v valgrind >/dev/null || (apt-get update -qq && apt-get install -y -qq valgrind)
	$(PY) benchmarks/instruction_share.py

# Coverage-guided fuzzing of parse with atheris; crashes land in build/fuzz/crash-*.
fuzz: $(VENV)/.installed-dev
	$(PIP) install 'atheris>=2.3'
	@mkdir -p $(OUT)/fuzz
	cd $(OUT)/fuzz && ../../$(PY) ../../benchmarks/fuzz_parse.py -max_total_time=$${FUZZ_SECONDS:-300}

# The same for the readers (parse_file on generated .txt/.html/.docx/.pdf files).
fuzz-readers: $(VENV)/.installed-dev
	$(PIP) install 'atheris>=2.3'
	@mkdir -p $(OUT)/fuzz-readers
	cd $(OUT)/fuzz-readers && ../../$(PY) ../../benchmarks/fuzz_readers.py -max_total_time=$${FUZZ_SECONDS:-300}

# The real corpus first (themes cross-validated by site; --baseline scores the plain
# TF-IDF anchor on the same folds), then the written sets.
evaluate: $(VENV)/.installed
	$(VENV)/bin/unionnlp evaluate --baseline

# Raise tests/quality_floors.json to the figures measured now (truncated, never lowered
# unless `tests/floors.py --write --lower SET.KEY --why '…'` says which and why).
floors: $(VENV)/.installed-dev
	$(PY) tests/floors.py --write

# Accept the current output of parse on corpora/ as the golden snapshots
# (tests/__snapshots__/test_golden/); review the diff before committing.
snapshots: $(VENV)/.installed-dev
	$(PY) -m pytest tests/test_golden.py --snapshot-update

# Mutation testing of normalize, structure, deadlines, parties and themes with their
# fast tests, on a random sample (MUTANTS=200 by default; MUTANTS=all for every one;
# MUTATION_JOBS=1 on a shared machine); prints the share killed and the survivors.
# Mutants are written to mutants/.
mutation: $(VENV)/.installed-dev
	$(PIP) install 'mutmut==3.8.1'
	$(PY) tools/mutation.py --sample $${MUTANTS:-200} --max-children $${MUTATION_JOBS:-2}

# The shipped theme model: weights only, from the written sets and ../shared/real.
model: $(VENV)/.installed
	$(VENV)/bin/unionnlp train corpora ../shared/real -o unionnlp/data

clean:
	rm -rf $(OUT) .pytest_cache .mypy_cache .ruff_cache mutants
