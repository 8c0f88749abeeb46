# make run | make test | make lab — each creates .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CONSTRAINTS ?= constraints-cpu.txt
EXTRAS ?= offline,test,lab,onnx,scale,site,train,store
comma := ,
STAMP := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))

.PHONY: help env run test test-latest test-browser test-colab test-gpu test-ray-cluster unit notebooks lab headers clean-notebooks check-notebooks clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

env: $(STAMP)  ## create the virtual environment and install the project

$(STAMP): pyproject.toml $(CONSTRAINTS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	@# the filter drops setuptools' note that an editable install maps data/ with an import hook
	PYTHONWARNINGS="ignore:Editable installation" \
		$(BIN)/python -m pip install -q $(if $(CONSTRAINTS),-c $(CONSTRAINTS)) -e ".[$(EXTRAS)]"
	touch $@

RUN ?=
run: $(STAMP)  ## execute every notebook (RUN=07 picks some) into build/, build the site build/site/, print a table
	$(BIN)/python scripts/run_notebooks.py $(RUN)

test: $(STAMP)  ## unit tests, then every notebook executed by nbval
	GIST_REQUIRE_ONNX=1 $(BIN)/python -m pytest tests notebooks --nbval-lax --nbval-current-env -p no:cacheprovider

# The onnx extra makes pip choose sentence-transformers 5.x (optimum-onnx needs transformers
# < 4.58); this second environment runs the helpers and the notebooks on the newest releases,
# which is what Colab users get (all but notebook 06, which needs the onnx extra).
test-latest:  ## unit tests and notebooks in .venv-latest: newest sentence-transformers/transformers, no onnx
	$(MAKE) VENV=.venv-latest EXTRAS=offline,test,site,scale,train,store env
	.venv-latest/bin/python -m pytest tests notebooks --nbval-lax --nbval-current-env -p no:cacheprovider \
		--ignore=notebooks/06_faster_on_cpu.ipynb

test-browser: $(STAMP)  ## every notebook run in JupyterLab in headless Chromium; the site at 1280 px (needs chromium)
	$(BIN)/python -m pip install -q $(if $(CONSTRAINTS),-c $(CONSTRAINTS)) -e ".[browser]"
	GIST_BROWSER_TESTS=1 $(BIN)/python -m pytest tests/browser -p no:cacheprovider -v

# On a machine with an NVIDIA GPU (CI has none). GPU_VENV gets PyPI's default torch, a CUDA
# build; GPU_VENV=/path/to/env reuses an environment that has CUDA torch already, WHEELS=folder
# installs what it lacks from a folder of wheels without network, and GPU_CONSTRAINTS=file pins.
GPU_VENV ?= .venv-gpu
GPU_EXTRAS ?= offline,test,onnx,scale,train,store
GPU_CONSTRAINTS ?=
GPU_TESTS ?= tests/test_gpu.py tests/test_model.py tests/test_backends.py
WHEELS ?=
test-gpu:  ## on a CUDA GPU: the device unit tests, then every notebook with GIST_DEVICE=cuda
	@nvidia-smi -L 2>/dev/null | grep -q '^GPU' || { echo "make test-gpu needs an NVIDIA GPU \
	and nvidia-smi lists none; nothing was installed. See the README, 'Running on a GPU'."; exit 1; }
	$(if $(WHEELS),PIP_NO_INDEX=1 PIP_FIND_LINKS="$(abspath $(WHEELS))") $(MAKE) --no-print-directory \
		VENV=$(GPU_VENV) CONSTRAINTS=$(GPU_CONSTRAINTS) EXTRAS=$(GPU_EXTRAS) env
	$(GPU_VENV)/bin/python -c "import sys, torch; torch.cuda.is_available() or sys.exit(\
	f'make test-gpu: torch {torch.__version__} in $(GPU_VENV) sees no CUDA device'); \
	print('torch', torch.__version__, 'on', torch.cuda.get_device_name(0))"
	GIST_DEVICE=cuda GIST_REQUIRE_CUDA=1 $(GPU_VENV)/bin/python -m pytest $(GPU_TESTS) notebooks \
		--nbval-lax --nbval-current-env -p no:cacheprovider

test-colab: $(STAMP)  ## Colab dry run: the setup cells install the project and leave torch and numpy alone
	$(BIN)/python scripts/colab_check.py

test-ray-cluster: $(STAMP)  ## notebooks 08 and 10 against a real Ray head node (ray start on a free port), stopped afterwards
	GIST_RAY_CLUSTER_TEST=1 $(BIN)/python -m pytest tests/test_ray_cluster.py -p no:cacheprovider -v -s

unit: $(STAMP)  ## unit tests only
	$(BIN)/python -m pytest tests

NOTEBOOKS ?= notebooks
notebooks: $(STAMP)  ## execute the notebooks under nbval only (NOTEBOOKS=path picks some)
	$(BIN)/python -m pytest $(NOTEBOOKS) --nbval-lax --nbval-current-env -p no:cacheprovider

lab: $(STAMP)  ## open JupyterLab on a kernel registered for this project
	$(BIN)/python -m ipykernel install --user --name gist-notebooks --display-name "Python (gist-notebooks)"
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/

headers: $(STAMP)  ## regenerate notebook headers and the README table from notebooks/catalog.toml
	$(BIN)/python scripts/notebook_tools.py sync

clean-notebooks: $(STAMP)  ## strip outputs and execution counts from the notebooks
	$(BIN)/python scripts/notebook_tools.py clean

check-notebooks: $(STAMP)  ## fail if a notebook has outputs or a drifted header
	$(BIN)/python scripts/notebook_tools.py check

clean:  ## remove build/ (the embedding cache stays; gist_helpers.clear_cache() empties it)
	rm -rf build
