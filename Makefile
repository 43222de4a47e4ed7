# The two commands of the README: `make test` and `make manual`.
# Each one sets up .venv by itself on a machine with only Python 3.11 and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: test manual manual-zensical manual-tree check clean

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
	@$(BIN)/quizproof check quizzes; rc=$$?; \
	if [ $$rc -ge 2 ]; then echo "make: a quiz file is unusable" >&2; exit $$rc; fi

# The solutions manual: `quizproof manual` checks every quiz (a refuted answer is
# published as an erratum; an unusable file stops it with exit status 2, as `make
# check` would, and nothing is written), then writes every page, figure and the
# navigation from quizzes/*.toml and docs/ into build/manual (Markdown with MathML,
# and its mkdocs.yml); MkDocs-material builds it into site/, Zensical into
# site-zensical/.  --strict turns any warning (a broken link) into a failure.
manual-tree: $(STAMP)
	$(BIN)/quizproof manual --out build/manual

manual: manual-tree
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict -q -f build/manual/mkdocs.yml --site-dir $(CURDIR)/site

manual-zensical: manual-tree
	cd build/manual && $(CURDIR)/$(BIN)/zensical build --clean --strict
	rm -rf site-zensical && mv build/manual/site site-zensical

clean:
	rm -rf $(VENV) site site-zensical build *.egg-info .pytest_cache .ruff_cache .quizproof_cache
