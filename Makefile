# CrowdCLIP in Swift — set-up, tests, benchmarks and reproduction runs.
# On a fresh Debian machine: `make test` (deps, build, suite); `make demo` (deps, `make weights`, counts
# Docs/samples; offline it stops with the weights message and `make demo-tiny` runs the tiny test models);
# `make install [PREFIX=/usr/local] [STATIC=1]` / `make uninstall`; `make docs` (DocC HTML in out/docs).
# test, demo, demo-tiny and install share one release build (TESTED_BUILD: the test flags), so none of them
# rebuilds what another built (install STATIC=1 builds apart, in .build/static).

SWIFT      ?= swift
VENV       ?= .venv
PYTHON     ?= $(VENV)/bin/python
DEB_PKGS   := libopenblas-dev liblapacke-dev libjpeg-dev libpng-dev zlib1g-dev libdnnl-dev
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
RELEASE    := $(SWIFT) build -c release
CROWDCLIP  := .build/release/crowdclip
TESTED_BUILD := $(SWIFT) build -c release -Xswiftc -enable-testing
PREFIX     ?= /usr/local
# SwiftPM's resource bundle of CrowdCLIPCore (the BPE vocabulary); installed under share/crowdclip/.
BUNDLE     := CrowdCLIP_CrowdCLIPCore.resources
BUNDLE_FILES := bpe_simple_vocab_16e6.txt.gz LICENSE-bpe-vocab.md
INSTALLED  := $(PREFIX)/bin/crowdclip $(addprefix $(PREFIX)/share/crowdclip/$(BUNDLE)/,$(BUNDLE_FILES))
# `make install STATIC=1`: the Swift runtime linked in, for machines without the toolchain (its own build).
ifdef STATIC
INSTALL_FROM := .build/static/release
INSTALL_BUILD = $(SWIFT) build -c release --static-swift-stdlib --scratch-path .build/static --product crowdclip
else
INSTALL_FROM := .build/release
INSTALL_BUILD = $(TESTED_BUILD) --product crowdclip
endif

.PHONY: tested-crowdclip deps build release test api-check bench demo demo-tiny weights install uninstall install-check docs fixtures venv eval clean soak fuzz fuzz-smoke

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

# Built with `swift build` then run with --skip-build: `swift test` adds its own -enable-testing, which a plain
# `swift build` cannot match, so demo and install would rebuild everything after it.
# CrowdCLIPCore keeps at most 150 public declarations (issue 14); Tools/check_public_api.py says what counts.
api-check:
	python3 Tools/check_public_api.py

test: deps api-check
	$(TESTED_BUILD) --build-tests
	$(SWIFT) test -c release --skip-build --disable-swift-testing

bench: release
	$(RELEASE) --product crowdclip-bench
	.build/release/crowdclip-bench --python $(PYTHON)

# The crowdclip of `make test`'s build (same flags: nothing is rebuilt after `make test`).
tested-crowdclip: deps
	$(TESTED_BUILD) --product crowdclip

demo: weights tested-crowdclip
	@mkdir -p out/demo
	$(CROWDCLIP) count --visualize out/demo --format table Docs/samples
	@echo "pictures: out/demo/"

# The whole pipeline on the tiny random test models, no download. Their counts mean nothing; two crowd classes
# and heads top-4 make them keep some patches, so the pictures show the grid, kept patches and their counts.
TINY_ARGS := --weights Tests/Fixtures/models/tiny-p16.safetensors --head-width 8 \
	--counter-weights Tests/Fixtures/counting/counter-visual.safetensors --crowd-classes crowd,tree --heads-top-k 4
demo-tiny: tested-crowdclip
	@mkdir -p out/demo-tiny
	$(CROWDCLIP) count $(TINY_ARGS) --visualize out/demo-tiny --format table Docs/samples
	@echo "pictures: out/demo-tiny/ (tiny random models: the counts mean nothing)"

# CLIP ViT-B/16 from Hugging Face, open_clip's hub copy, then OpenAI's CDN, each verified (Tools/fetch_weights.py).
weights:
	@if [ -n "$$CROWDCLIP_WEIGHTS" ] && [ -e "$$CROWDCLIP_WEIGHTS" ]; then \
	  echo "using CROWDCLIP_WEIGHTS=$$CROWDCLIP_WEIGHTS"; exit 0; fi; \
	command -v python3 >/dev/null || { echo "error: make weights needs python3 (apt-get install python3)"; exit 1; }; \
	python3 Tools/fetch_weights.py --dest Weights

# Installs $(PREFIX)/bin/crowdclip and the vocabulary bundle beside it in $(PREFIX)/share/crowdclip/; sudo is
# used only when $(PREFIX) is not writable. `make uninstall` removes exactly those files.
install: deps
	$(INSTALL_BUILD)
	@set -e; s=""; d="$(PREFIX)"; while [ ! -e "$$d" ]; do d=$$(dirname "$$d"); done; \
	[ -w "$$d" ] || s=sudo; \
	$$s install -d "$(PREFIX)/bin" "$(PREFIX)/share/crowdclip/$(BUNDLE)"; \
	$$s install -m 755 $(INSTALL_FROM)/crowdclip "$(PREFIX)/bin/crowdclip"; \
	for f in $(BUNDLE_FILES); do $$s install -m 644 "$(INSTALL_FROM)/$(BUNDLE)/$$f" "$(PREFIX)/share/crowdclip/$(BUNDLE)/$$f"; done; \
	printf 'installed %s\n' $(INSTALLED)

uninstall:
	@s=""; [ -w "$(PREFIX)" ] || s=sudo; \
	for f in $(INSTALLED); do if [ -e "$$f" ]; then $$s rm -f "$$f" && echo "removed $$f"; fi; done; \
	$$s rmdir "$(PREFIX)/share/crowdclip/$(BUNDLE)" "$(PREFIX)/share/crowdclip" 2>/dev/null || true

# `make weights` against a local stand-in for the hub (good, corrupt and cut-off downloads), then a copy of the
# checkout installed into a temporary prefix and moved away: the installed binary and a package that depends on
# CrowdCLIPCore by path must still tokenize and count (Tools/check_install.sh; minutes: two builds of the copy).
install-check:
	python3 Tools/check_fetch_weights.py
	Tools/check_install.sh

# Static HTML of the CrowdCLIPCore DocC catalog (swift-docc-plugin), in out/docs.
docs: deps
	@mkdir -p out
	$(SWIFT) package --allow-writing-to-directory out/docs generate-documentation --target CrowdCLIPCore \
	  --output-path out/docs --transform-for-static-hosting
	@echo "documentation in out/docs: python3 -m http.server -d out/docs, then open /documentation/crowdclipcore"

venv: $(VENV)/.ready
$(VENV)/.ready:
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q torch torchvision open_clip_torch safetensors onnxruntime onnx scipy pillow
	touch $@

# Regenerates every committed fixture under Tests/Fixtures from the Python reference (gen_90: full-size ViT-B/16
# references from seeded weights that SeededParityTests regenerates in Swift; it takes about 15 s).
fixtures: venv
	@set -e; for s in Tools/gen_*.py; do echo "== $$s"; $(PYTHON) $$s; done

DATASET ?= shanghaitech
ROOT    ?=
SPLIT   ?= test
GRID    ?= 3
eval: tested-crowdclip
	@[ -n "$(ROOT)" ] || { echo "usage: make eval DATASET=shanghaitech|qnrf|ucf50|jhu|nwpu|list ROOT=DIR [SPLIT=test] [GRID=3] [COUNTER=ckpt]"; exit 2; }
	@mkdir -p out
	$(CROWDCLIP) eval --dataset $(DATASET) --root $(ROOT) --split $(SPLIT) --grid $(GRID) \
	  $(if $(COUNTER),--counter-weights $(COUNTER)) --output out/eval-$(DATASET)-$(SPLIT).csv

# Soak of `crowdclip count` (not in CI): N symlinked images, three SIGKILLs with resumes, then one record per
# input, no broken line, an error record per bad file, and peak RSS within 10 % of N=1000 (Docs/reliability.md).
N ?= 100000
soak: tested-crowdclip
	nice -n 10 python3 Tools/soak.py $(N)

clean:
	rm -rf .build out Fuzz/.build

# Sharded counting on a real single-node Slurm (Tools/slurm/check.sh; root; installs slurm-wlm and munge; not in CI).
.PHONY: slurm-check
slurm-check: tested-crowdclip
	Tools/slurm/check.sh

# libFuzzer + AddressSanitizer on every parser, one target after another (Fuzz/, Docs/reliability.md).
# `make fuzz FUZZ_SECONDS=600 [FUZZ_RUNS=1000000] [FUZZ_TARGETS="zip mat"]`; findings stop it with status 1.
FUZZ_SECONDS ?= 60
FUZZ_RUNS    ?= 0
FUZZ_TARGETS ?=
fuzz: deps
	Tools/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_RUNS) $(FUZZ_TARGETS)

# A few thousand runs of every target with a fixed seed, at most 10 s each (about 3 minutes, most of it the
# sanitizer build); CI runs it.
fuzz-smoke: deps
	FUZZ_SEED=1 Tools/fuzz.sh 10 3000

