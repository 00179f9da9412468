# The two commands that matter: `make demo` and `make test`. Both set up .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA ?= var
PORT ?= 5000

.PHONY: demo test lint bench mutation clean

$(BIN)/python:
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install -qq --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	@echo "Installing copro into $(VENV) (a few minutes the first time)..."
	@$(BIN)/pip install -qq -e .
	@touch $@

$(VENV)/.installed-test: $(BIN)/python pyproject.toml
	$(BIN)/pip install -qq -e ".[test]"
	touch $@ $(VENV)/.installed

# Seeds in the serving process (serve --demo), so the demo-keys warning is said once.
demo: $(VENV)/.installed
	@$(BIN)/copro --data $(DATA) serve --demo --port $(PORT)

test: $(VENV)/.installed-test
	$(BIN)/ruff check copro ledger policies web tests bench
	$(BIN)/ruff format --check copro ledger policies web bench
	$(BIN)/mypy copro ledger policies web tests bench
	$(BIN)/lint-imports
	$(BIN)/pytest

bench: $(VENV)/.installed-test
	$(BIN)/python -m bench.append
	$(BIN)/python -m bench.verify
	$(BIN)/python -m bench.vote

# Mutation testing of the decision rules, the tally and the outcome recomputation
# ([tool.mutmut] in pyproject.toml). Slow; not part of `make test`.
# mutmut copies tests/ into mutants/ once and never again: drop the copy so new tests count.
mutation: $(VENV)/.installed-test
	rm -rf mutants/tests
	$(BIN)/mutmut run --max-children 2
	$(BIN)/mutmut results

clean:
	rm -rf $(VENV) $(DATA) mutants .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
