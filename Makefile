# The two commands of the README: `make test` and `make manual`.
# Each one sets up .venv by itself on a machine with only Python 3.11 and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: test manual check clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

# Checks every quiz (exit 1 = some printed answer is not verified, which the
# manual reports as an erratum; exit 2 = a file is unusable, which stops the build).
check: $(STAMP)
	@for f in quizzes/*.toml; do \
	  $(BIN)/quizproof check "$$f"; rc=$$?; \
	  if [ $$rc -ge 2 ]; then echo "make: $$f is not a usable quiz file" >&2; exit $$rc; fi; \
	done

# The solutions manual: every page is generated from quizzes/*.toml by the hook
# named in mkdocs.yml; --strict turns any warning (a broken link, a formula that
# does not render) into a failure.
manual: check
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

clean:
	rm -rf $(VENV) site build *.egg-info .pytest_cache .ruff_cache
