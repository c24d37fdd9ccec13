# The two commands of the README. Both are safe to run again: the venv is made
# once, and each set of packages is reinstalled only when pyproject.toml changes.
#
#   make demo   the venv, stepgrad and what the demos need (graphviz, matplotlib,
#               numpy, tqdm) -- no test tools -- then the tour
#   make test   the same, plus the test extras (pytest, hypothesis, Playwright,
#               the notebook runner, micrograd), then the test suite
#
# Another Python: `make test PYTHON=python3.12` (or a path) has a venv of its own,
# .venv-3.12; the default python3 keeps .venv. `make torch` adds PyTorch's CPU build.
PYTHON ?= python3
# What PYTHON is, asked once: "3.12 cpython-3.12.1" (empty where it does not run:
# python-venv then says why).
PYTHON_ASKED := import sys; v = sys.version_info; print("%d.%d %s-%d.%d.%d" % (*v[:2], sys.implementation.name, *v[:3]))
PYTHON_INFO  := $(shell $(PYTHON) -c '$(PYTHON_ASKED)' 2>/dev/null)
ifeq ($(PYTHON),python3)
VENV   ?= .venv
else
VENV   ?= .venv-$(word 1,$(PYTHON_INFO))
endif
PY     := $(VENV)/bin/python
# One stamp per level of installation: the venv itself (named after the Python that
# made it, so that another Python makes it again), the demos' packages, the tests'
# packages. A stamp is touched only after its step succeeded.
VENV_STAMP := $(VENV)/.made-by-$(word 2,$(PYTHON_INFO))
DEMO_STAMP := $(VENV)/.installed-demo
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test bench docs install install-demo torch venv-path graphviz ffmpeg python-venv clean

demo: install-demo graphviz
	$(PY) -m demos tour

test: install graphviz ffmpeg
	$(PY) -m pytest $(PYTEST_ARGS)

bench: install
	$(PY) -m tests.benchmarks $(BENCH_ARGS)

# The README's pictures and the step-through pages of the small demos, regenerated.
# A demo not (yet) in the registry is skipped with a note, not an error.
DOC_PAGES := chain_rule neuron topo_order logistic reverse_network
docs: install graphviz
	$(PY) -m demos tour --out out/docs > /dev/null
	cp out/docs/chain_rule/frames/frame_001.png docs/chain_rule-step1.png
	cp out/docs/neuron/graph.png docs/neuron-graph.png
	cp out/docs/moons/decision_boundary.png docs/moons-decision-boundary.png
	@for name in $(DOC_PAGES); do \
		if $(PY) -c "import sys, demos; sys.exit(0 if '$$name' in demos.NAMES else 1)"; then \
			echo "docs/$$name.html"; \
			$(PY) -m demos $$name --no-render --html docs/$$name.html > /dev/null || exit 1; \
		else \
			echo "docs/$$name.html: skipped, there is no demo called $$name yet"; \
		fi; \
	done
	$(PY) docs/build_site.py $(DOC_PAGES)

install-demo: $(DEMO_STAMP)

install: $(TEST_STAMP)

# PyTorch 2.13.0's CPU build (nn.to_torch, the parity tests), where pip finds one for
# this Python. The pin's local label (+cpu) lets pip take no other build: for Linux,
# PyPI's torch is the CUDA build, several GB. pip is asked first with --dry-run, which
# reads a local wheel in place (and an index page at most); where it finds no CPU
# build, nothing is installed and the parity tests are skipped with that reason.
TORCH_CPU := torch==2.13.0+cpu
torch: install-demo
	@if $(PY) -m pip install --quiet --dry-run --no-deps --only-binary=:all: '$(TORCH_CPU)' >/dev/null 2>&1; then \
		echo "$(PY) -m pip install --quiet '$(TORCH_CPU)'"; \
		$(PY) -m pip install --quiet '$(TORCH_CPU)'; \
	else \
		echo "make torch: no CPU build of torch 2.13.0 for Python $(word 1,$(PYTHON_INFO)); nothing installed"; \
	fi

# The venv this PYTHON uses (for scripts: make -s venv-path PYTHON=...).
venv-path:
	@echo $(VENV)

# A venv that another Python made (its packages are built for that one) is made again
# from scratch; one that this Python made, with no stamp yet, keeps its packages. A
# folder there that is not a venv is left alone.
$(VENV_STAMP): | python-venv
	@if [ -e $(VENV) ] && [ ! -f $(VENV)/pyvenv.cfg ]; then \
		echo "$(VENV) is not a venv: move it, or run make VENV=another-folder ..."; \
		exit 1; \
	fi; \
	if [ -d $(VENV) ] && [ "$$($(PY) -c '$(PYTHON_ASKED)' 2>/dev/null)" != "$(PYTHON_INFO)" ]; then \
		echo "$(VENV) was made by another Python: made again by $(word 2,$(PYTHON_INFO))"; \
		echo "$(PYTHON) -m venv --clear $(VENV)"; $(PYTHON) -m venv --clear $(VENV); \
	else \
		echo "$(PYTHON) -m venv $(VENV)"; $(PYTHON) -m venv $(VENV); \
	fi
	touch $(VENV_STAMP)

$(DEMO_STAMP): pyproject.toml $(VENV_STAMP)
	$(PY) -m pip install --quiet --editable .
	touch $(DEMO_STAMP)

$(TEST_STAMP): pyproject.toml $(VENV_STAMP)
	$(PY) -m pip install --quiet --editable '.[dev,bench]'
	touch $(DEMO_STAMP) $(TEST_STAMP)

# Install the Debian package $(1) (what it brings: $(2)) when we can: as root, or with
# passwordless sudo, on a system with apt-get. Otherwise the recipe that calls it says how.
# Used by python-venv and graphviz below; exits 1 where it cannot install.
define apt_install_or_fail
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing $(2) (Debian package '$(1)')..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1) >/dev/null; \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing $(2) with sudo (Debian package '$(1)')..."; \
		sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1) >/dev/null; \
	else
endef

# `python3 -m venv` needs the ensurepip module, which Debian and Ubuntu ship
# separately (package python3-venv). Install it when we can (root or
# passwordless sudo with apt-get), as for Graphviz; otherwise say how, and stop.
python-venv:
	@if ! command -v $(PYTHON) >/dev/null 2>&1; then \
		echo "stepgrad needs Python 3.10 or newer as '$(PYTHON)', and it is not on PATH."; \
		echo "  Debian/Ubuntu:  sudo apt-get install python3 python3-venv"; \
		echo "  or run: make PYTHON=/path/to/python3 ..."; \
		exit 1; \
	fi; \
	if ! $(PYTHON) -c "" >/dev/null 2>&1; then \
		echo "stepgrad cannot run Python as '$(PYTHON)': $$($(PYTHON) -c "" 2>&1 | head -n 1)"; \
		echo "  run: make PYTHON=/path/to/python3 ...   (any Python >= 3.10)"; \
		exit 1; \
	fi; \
	if ! $(PYTHON) -c "import sys; sys.exit(sys.version_info < (3, 10))" >/dev/null 2>&1; then \
		echo "stepgrad needs Python 3.10 or newer; '$(PYTHON)' is $$($(PYTHON) --version 2>&1)."; \
		echo "  run: make PYTHON=python3.11 ...   (or any Python >= 3.10 on PATH)"; \
		exit 1; \
	fi; \
	if $(PYTHON) -c "import ensurepip, venv" >/dev/null 2>&1; then exit 0; fi; \
	$(call apt_install_or_fail,python3-venv,Python's venv module) \
		echo "stepgrad makes a virtual environment with '$(PYTHON) -m venv', but Python's"; \
		echo "venv module (ensurepip) is not installed. Install it, then run make again:"; \
		echo "  Debian/Ubuntu:  sudo apt-get install python3-venv"; \
		echo "                  (if that is not enough: python3.X-venv, X your Python's minor version)"; \
		echo "  other systems:  install Python from python.org, which includes venv"; \
		exit 1; \
	fi; \
	$(PYTHON) -c "import ensurepip, venv" >/dev/null 2>&1 || { \
		echo "python3-venv was installed but '$(PYTHON) -c \"import ensurepip\"' still fails;"; \
		echo "install the venv package for your Python's version, e.g. python3.11-venv"; exit 1; }

# A program the project needs: $(1) on PATH, else the Debian package $(2) installed when we
# can (root or passwordless sudo), else how to install it, and stop. $(3): what it is for;
# $(4): how the messages call it.
define require_program
	@if command -v $(1) >/dev/null 2>&1; then exit 0; fi; \
	$(call apt_install_or_fail,$(2),$(4)) \
		echo "stepgrad needs $(4) $(3), and it is not installed."; \
		echo "Install it, then run make again:"; \
		echo "  Debian/Ubuntu:  sudo apt-get install $(2)"; \
		echo "  macOS:          brew install $(2)"; \
		echo "  Windows:        winget install $(2)   (then put its bin folder on PATH)"; \
		exit 1; \
	fi; \
	command -v $(1) >/dev/null 2>&1 || { echo "$(2) was installed but '$(1)' is still not on PATH"; exit 1; }
endef

# Graphviz's `dot` lays out every picture; ffmpeg writes MP4 films (the tests make one).
graphviz:
	$(call require_program,dot,graphviz,to draw graphs,the Graphviz 'dot' program)

ffmpeg:
	$(call require_program,ffmpeg,ffmpeg,to write MP4 films,the 'ffmpeg' program)

# The venvs of every Python (each one a venv that make made: it holds a stamp), the
# outputs and the test caches.
clean:
	@for venv in $(VENV) .venv .venv-*; do \
		if ls $$venv/.made* >/dev/null 2>&1; then echo "rm -rf $$venv"; rm -rf $$venv; fi; \
	done
	rm -rf out .pytest_cache .hypothesis
