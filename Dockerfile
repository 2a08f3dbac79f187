# syntax=docker/dockerfile:1
# Image of the AWS provider for the Secrets Store CSI Driver: one compiled Bun executable on a
# distroless glibc base, running as non-root by default.
#
#   docker buildx build --platform linux/amd64,linux/arm64 --build-arg VERSION=0.1.0 \
#     --tag <registry>/secrets-store-csi-driver-provider-aws:0.1.0 --push .
#
# (`make PRIVREPO=…` runs exactly this against ECR.) The build stage always runs on the builder's own
# platform and cross-compiles for each target with `bun build --compile --target`, so a multi-arch
# build needs no emulation.

# Keep in step with "bun" in package.json's devDependencies (a test checks it).
FROM --platform=$BUILDPLATFORM oven/bun:1.4.5 AS build
WORKDIR /src

# Production dependencies exactly as package-lock.json pins them: Bun reads the npm lockfile, and
# --frozen-lockfile fails when package.json and the lockfile disagree. No install scripts run;
# the bundler only needs the packages' JavaScript.
COPY package.json package-lock.json ./
RUN bun install --frozen-lockfile --production --ignore-scripts

COPY tsconfig.json ./
COPY gen ./gen
COPY src ./src

# TARGETARCH is set by buildx for each platform. VERSION defaults to package.json's version.
# The runtime flags (--bytecode --format=esm --compile-exec-argv=--smol) are the Makefile's
# BUN_RUNTIME_FLAGS, so the image runs the binary `make bench` measures; amd64 builds Bun's
# baseline x64 runtime, which needs no AVX2 (see the Makefile).
ARG TARGETARCH
ARG VERSION
RUN case "${TARGETARCH}" in \
      amd64) target=bun-linux-x64-baseline ;; \
      arm64) target=bun-linux-arm64 ;; \
      *) echo "unsupported TARGETARCH '${TARGETARCH}': build for linux/amd64 or linux/arm64" >&2; exit 1 ;; \
    esac \
 && version="${VERSION:-$(bun -e 'process.stdout.write(require("./package.json").version)')}" \
 && bun build src/main.ts --compile --minify --sourcemap=none \
      --no-compile-autoload-dotenv --no-compile-autoload-bunfig \
      --bytecode --format=esm --compile-exec-argv=--smol \
      --define BUILD_VERSION="\"${version}\"" --target="${target}" \
      --outfile /out/secrets-store-csi-driver-provider-aws

# glibc (the executable links libc, libm, libdl and libpthread, nothing else: no libstdc++, no
# OpenSSL) plus CA certificates, no shell; uid/gid 65532.
FROM gcr.io/distroless/base-nossl-debian12:nonroot
ARG VERSION
LABEL org.opencontainers.image.title="secrets-store-csi-driver-provider-aws" \
      org.opencontainers.image.description="AWS provider for the Kubernetes Secrets Store CSI Driver (TypeScript on Bun)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /out/secrets-store-csi-driver-provider-aws /bin/secrets-store-csi-driver-provider-aws
# JavaScriptCore without its FTL tier: the provider's work comes in short bursts, and FTL's
# compilations cost more CPU than its faster code gives back (README, Performance). Bun exits on a
# JSC option it does not know, so the tests start the binary with every ENV here.
ENV BUN_JSC_useFTLJIT=0
USER 65532:65532
ENTRYPOINT ["/bin/secrets-store-csi-driver-provider-aws"]
