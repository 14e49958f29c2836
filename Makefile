# CrowdCLIP in Swift — set-up, tests, benchmarks and reproduction runs.
# `make test` and `make demo` each work on a fresh Debian machine (they call `deps` first).

SWIFT      ?= swift
VENV       ?= .venv
PYTHON     ?= $(VENV)/bin/python
DEB_PKGS   := libopenblas-dev liblapacke-dev libjpeg-dev libpng-dev zlib1g-dev
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
RELEASE    := $(SWIFT) build -c release
CROWDCLIP  := .build/release/crowdclip
WEIGHTS_URL    := https://openaipublic.azureedge.net/clip/models/5806e77cd80f8b59890b7e101eabd078d9fb84e6937f9e85e4ecb61988df416f/ViT-B-16.pt
WEIGHTS_SHA256 := 5806e77cd80f8b59890b7e101eabd078d9fb84e6937f9e85e4ecb61988df416f
WEIGHTS_FILE   := Weights/ViT-B-16.pt

.PHONY: deps build release test bench demo weights fixtures venv parity-full eval clean fuzz fuzz-smoke

deps:  ## Debian packages, installed only when missing
	@missing=""; for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(RELEASE)

test: deps
	$(SWIFT) test -c release -Xswiftc -enable-testing --disable-swift-testing

bench: release
	$(RELEASE) --product crowdclip-bench
	.build/release/crowdclip-bench --python $(PYTHON)

demo: release
	@mkdir -p out/demo
	$(CROWDCLIP) count --visualize out/demo --format table Docs/samples

weights:
	@mkdir -p Weights
	@if [ -f $(WEIGHTS_FILE) ] && echo "$(WEIGHTS_SHA256)  $(WEIGHTS_FILE)" | sha256sum -c --quiet 2>/dev/null; then \
	  echo "$(WEIGHTS_FILE) is present and verified"; exit 0; fi; \
	echo "downloading OpenAI CLIP ViT-B/16 to $(WEIGHTS_FILE)"; \
	if ! curl -fL --connect-timeout 15 -o $(WEIGHTS_FILE).part "$(WEIGHTS_URL)"; then \
	  rm -f $(WEIGHTS_FILE).part; \
	  echo "error: could not download $(WEIGHTS_URL)"; \
	  echo "  This machine cannot reach it. Download ViT-B-16.pt elsewhere, copy it to $(WEIGHTS_FILE)"; \
	  echo "  (sha256 $(WEIGHTS_SHA256)), or point CROWDCLIP_WEIGHTS at any supported weights file."; \
	  exit 1; fi; \
	if ! echo "$(WEIGHTS_SHA256)  $(WEIGHTS_FILE).part" | sha256sum -c --quiet; then \
	  rm -f $(WEIGHTS_FILE).part; echo "error: checksum mismatch for the downloaded ViT-B-16.pt"; exit 1; fi; \
	mv $(WEIGHTS_FILE).part $(WEIGHTS_FILE); echo "verified $(WEIGHTS_FILE)"

venv: $(VENV)/.ready
$(VENV)/.ready:
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q torch torchvision open_clip_torch safetensors onnxruntime onnx scipy pillow
	touch $@

# Regenerates every committed fixture under Tests/Fixtures from the Python reference.
fixtures: venv
	@set -e; for s in Tools/gen_*.py; do echo "== $$s"; $(PYTHON) $$s; done

# Full-size ViT-B/16 parity with random weights (not in CI: needs the venv, about a minute).
parity-full: venv
	$(PYTHON) Tools/parity_full.py --out .build/parity-full
	CROWDCLIP_PARITY_FULL=.build/parity-full $(SWIFT) test -c release -Xswiftc -enable-testing --disable-swift-testing --filter ParityFullTests

DATASET ?= shanghaitech
ROOT    ?=
SPLIT   ?= test
GRID    ?= 3
eval: release
	@[ -n "$(ROOT)" ] || { echo "usage: make eval DATASET=shanghaitech|qnrf|ucf50|jhu|nwpu|list ROOT=DIR [SPLIT=test] [GRID=3] [COUNTER=ckpt]"; exit 2; }
	@mkdir -p out
	$(CROWDCLIP) eval --dataset $(DATASET) --root $(ROOT) --split $(SPLIT) --grid $(GRID) \
	  $(if $(COUNTER),--counter-weights $(COUNTER)) --output out/eval-$(DATASET)-$(SPLIT).csv

# libFuzzer + AddressSanitizer on every parser, one target after another (Fuzz/, Docs/reliability.md).
# `make fuzz FUZZ_SECONDS=600 [FUZZ_RUNS=1000000] [FUZZ_TARGETS="zip mat"]`; findings stop it with status 1.
FUZZ_SECONDS ?= 60
FUZZ_RUNS    ?= 0
FUZZ_TARGETS ?=
fuzz: deps
	Tools/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_RUNS) $(FUZZ_TARGETS)

# A few thousand runs of every target, at most 10 s each (about 5 minutes, most of it the sanitizer build).
fuzz-smoke: deps
	Tools/fuzz.sh 10 3000

clean:
	rm -rf .build out Fuzz/.build
