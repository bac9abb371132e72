# The two commands of the course:  `make train` (the main job) and `make test`.
# Both create .venv and install what they need on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The PyTorch this course is tested with. Keep your own (a GPU build, say) with: make TORCH= test
TORCH ?= torch==2.14.1 torchvision==0.29.1

.PHONY: install chromium train test data lab lessons experiments record clean site

install: $(VENV)/.installed

# The browser tests drive the distribution's Chromium (Playwright's own browser download is not used).
chromium:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
		|| echo "make: no chromium on PATH and it could not be installed here (Debian/Ubuntu: sudo apt-get install chromium); the browser tests will fail" >&2

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(if $(TORCH),$(BIN)/python -m pip install --quiet $(TORCH))
	$(BIN)/python -m pip install --quiet -e ".[course,test,site]"
	touch $@

data: install
	$(BIN)/neurokit data

train: install
	$(BIN)/neurokit train $(ARGS)

test: install chromium
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) runs .pytest_cache

# Every experiment in its full setting (about an hour on a 2-core CPU); the README shows docs/experiments/.
experiments: install
	$(BIN)/neurokit experiment all --out docs/experiments

# JupyterLab on the lessons as a student meets it: no nbgrader panels that need a course server.
lab: install
	JUPYTER_CONFIG_PATH=$(CURDIR)/student_lab $(BIN)/jupyter lab lessons/

lessons: install
	$(BIN)/python -m autograder release

# The run the README's Results quote: the default training, its metrics as docs/records/train.json, its figures in docs/figures/.
record: install
	rm -rf runs/record
	$(BIN)/neurokit train --out runs/record --quiet
	mkdir -p docs/records
	cp runs/record/metrics.json docs/records/train.json
	cp runs/record/loss_curves.png runs/record/reconstructions.png runs/record/thalamic_gates.png runs/record/memory_trust.png docs/figures/

# The course site (site/): the README's results and the eleven lessons, executed, into site/_build/html.
# Executed outputs are cached in site/_build/.jupyter_cache, so a rebuild after a text change takes seconds.
site: install
	$(BIN)/python site/build.py
