# The two commands of the README. Both are safe to run again: the venv is made
# once and reinstalled only when pyproject.toml changes.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test bench docs install graphviz clean

demo: install graphviz
	$(PY) -m demos tour

test: install graphviz
	$(PY) -m pytest $(PYTEST_ARGS)

bench: install
	$(PY) -m tests.benchmarks $(BENCH_ARGS)

# The README's pictures and example page, regenerated from the demos.
docs: install graphviz
	$(PY) -m demos tour > /dev/null
	cp out/chain_rule/frames/frame_001.png docs/chain_rule-step1.png
	cp out/neuron/graph.png docs/neuron-graph.png
	cp out/moons/decision_boundary.png docs/moons-decision-boundary.png
	$(PY) -m demos neuron --no-render --html docs/neuron.html > /dev/null

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --editable '.[dev,bench]'
	touch $(STAMP)

# The Graphviz `dot` program lays out every picture. Install it when we can
# (root or passwordless sudo on Debian/Ubuntu); otherwise say how, and stop.
graphviz:
	@if command -v dot >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Graphviz (Debian package 'graphviz')..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Graphviz with sudo (Debian package 'graphviz')..."; \
		sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; \
	else \
		echo "stepgrad needs the Graphviz 'dot' program to draw graphs, and it is not installed."; \
		echo "Install it, then run make again:"; \
		echo "  Debian/Ubuntu:  sudo apt-get install graphviz"; \
		echo "  macOS:          brew install graphviz"; \
		echo "  Windows:        winget install graphviz   (then put its bin folder on PATH)"; \
		exit 1; \
	fi; \
	command -v dot >/dev/null 2>&1 || { echo "Graphviz was installed but 'dot' is still not on PATH"; exit 1; }

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis
