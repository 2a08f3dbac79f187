# Build, test and demo of the AWS provider for the Secrets Store CSI Driver.
# Quick start on a fresh machine (Node.js and npm only): `make demo`, then `make test`.

BIN        := node_modules/.bin
BUN        := $(BIN)/bun
VERSION    ?= $(shell node -p "require('./package.json').version")
BINARY     := dist/secrets-store-csi-driver-provider-aws
SOURCES    := $(shell find src gen -name '*.ts' -not -name '*.test.ts' 2>/dev/null)

.PHONY: build test demo generate check-generated lint typecheck unit install clean

# Installs exactly what the lockfile says; re-runs only when the lockfile changes.
install: node_modules/.installed
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

build: $(BINARY)
$(BINARY): node_modules/.installed $(SOURCES)
	@mkdir -p dist
	$(BUN) build src/main.ts --compile --minify --sourcemap=none \
	  --no-compile-autoload-dotenv --no-compile-autoload-bunfig \
	  --define BUILD_VERSION='"$(VERSION)"' --outfile $(BINARY)

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

clean:
	rm -rf dist .tmp
