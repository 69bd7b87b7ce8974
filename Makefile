# One command sets up and runs the demo, one runs the tests — on a fresh machine.
#   make demo    set up, generate a sample district, load it, ask a canned question
#   make test    set up, run the whole test suite (what .ci/run calls)
#   make lint    ruff check + format check
#   make bench   benchmarks (not tests)
#   make stress  SIGKILL 50 loads inside their write phase: 0 partial, 0 lost (not part of make test)
#   make neo4j-up / neo4j-down   a throwaway Neo4j 5 on 127.0.0.1 (connection in .neo4j-test/env)
#   make notebooks  execute the notebooks, write notebooks/html/*.html

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
LINT   := tools/cypher-lint
DEMO   ?= demo

.PHONY: setup browser fonts demo test lint bench stress notebooks notebooks-store clean neo4j-up neo4j-down neo4j-server

setup: $(VENV)/.installed $(LINT)/node_modules/.installed

$(VENV)/.installed: pyproject.toml
	@echo "setting up $(VENV) (log: $(VENV)/install.log)"
	@$(PYTHON) -m venv $(VENV)
	@{ $(BIN)/python -m pip install --upgrade pip && $(BIN)/python -m pip install -e '.[dev]'; } \
	  > $(VENV)/install.log 2>&1 || { tail -n 30 $(VENV)/install.log; exit 1; }
	@touch $@

# Neo4j's own Cypher front end, pinned by the lockfile; node and npm from Debian if absent.
$(LINT)/node_modules/.installed: $(LINT)/package.json $(LINT)/package-lock.json
	@command -v npm >/dev/null || { echo "installing node and npm (Debian packages)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; }
	cd $(LINT) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Headless Chromium for the map tests, and a CJK font so Chinese labels render; from Debian if absent.
browser:
	@command -v chromium >/dev/null || { echo "installing chromium and a CJK font (Debian packages)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	  chromium fonts-wqy-microhei >/dev/null; }

# A CJK font for matplotlib's charts (pbgraph.charts finds it by file path); from Debian if absent.
CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
fonts:
	@test -f $(CJK_FONT) || { echo "installing a CJK font for the charts (Debian fonts-wqy-microhei)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	  fonts-wqy-microhei >/dev/null; }

demo: setup
	$(BIN)/python -m pbgraph.loaders.demo --out $(DEMO)

test: setup browser fonts neo4j-server
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: setup
	@$(BIN)/python -m pip install --quiet -e '.[dev,bench]' > $(VENV)/install-bench.log 2>&1 || { tail -n 20 $(VENV)/install-bench.log; exit 1; }
	$(BIN)/python -m bench $(BENCH_ARGS)

# SIGKILL loads at random moments of their write phase (proven by the phases each load announces),
# a third of them with the engine; each must leave the graph exactly before or after. STRESS_KILLS=50.
stress: setup
	nice -n 10 $(BIN)/python tools/stress.py --kills $(or $(STRESS_KILLS),50)

# Execute the notebooks on generated presets; one self-contained HTML page each in notebooks/html/.
notebooks: setup fonts
	$(BIN)/python tools/notebooks.py --html notebooks/html

# The same, and store the outputs (charts, tables) in the .ipynb files themselves: run before committing notebooks.
notebooks-store: setup fonts
	$(BIN)/python tools/notebooks.py --html notebooks/html --store

# A throwaway Neo4j 5 Community (Maven Central, pinned in tools/neo4j/pom.xml; needs Java 17+ and Maven).
# The test suite starts its own; these are for trying pbgraph on Neo4j by hand.
neo4j-up:
	@$(PYTHON) tools/neo4j/server.py up

# Fetch (first time: Maven Central into ~/.m2) and compile the test server; the tests start it themselves.
neo4j-server:
	@$(PYTHON) tools/neo4j/server.py build

neo4j-down:
	@$(PYTHON) tools/neo4j/server.py down

clean: neo4j-down
	rm -rf tools/neo4j/target $(VENV) $(LINT)/node_modules $(DEMO) .pytest_cache .ruff_cache
