#!/usr/bin/env bash
# Interop check of issue 9 (`make interop`): a grpc-go client built from Debian packages calls the
# compiled provider, dialing like Secrets Store CSI Driver versions up to v1.5 (socket path as
# :authority) and like v1.6 (authority localhost). See test/interop/interop.check.ts.
#
# Installs the Debian packages when missing (apt-get; root or sudo), builds the client in GOPATH
# mode (no Go module proxy, no network) into .tmp/interop/, builds the provider, runs the check.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(golang-go golang-google-grpc-dev golang-github-golang-protobuf-1-5-dev
  protoc-gen-go protoc-gen-go-grpc protobuf-compiler)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
if ((${#missing[@]} > 0)); then
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo=sudo
  echo "interop: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

out="$PWD/.tmp/interop"
gopath="$out/gopath"
rm -rf "$gopath"
mkdir -p "$gopath/src/interopclient"
# The generated Go code lives only in this temporary GOPATH; proto/ stays the single source.
mapping="Mv1alpha1/service.proto=interopclient/v1alpha1"
protoc -I proto --go_out="$gopath/src" --go_opt="$mapping" \
  --go-grpc_out="$gopath/src" --go-grpc_opt="$mapping" v1alpha1/service.proto
cp test/interop/grpc-go-client/main.go "$gopath/src/interopclient/main.go"
GO111MODULE=off GOPROXY=off GOFLAGS= GOPATH="$gopath:/usr/share/gocode" GOCACHE="$out/gocache" \
  go build -o "$out/grpc-go-client" interopclient
echo "interop: built $(go version | cut -d' ' -f3) client with grpc-go $(dpkg-query -W -f='${Version}' golang-google-grpc-dev)"

make dist/secrets-store-csi-driver-provider-aws
INTEROP_CLIENT="$out/grpc-go-client" node_modules/.bin/bun test ./test/interop/interop.check.ts
