#!/usr/bin/env bash
# Provides the real servers Weft's tests run against, built from the Go module proxy at pinned versions
# (scripts/servers/versions.env) and cached by version under $WEFT_CACHE_DIR (default: <repo>/.cache, git-ignored).
# Idempotent: a tool whose cached binary answers --version with the pinned version is not rebuilt.
#
#   scripts/servers/install.sh [kube-apiserver|kubectl|etcd|nats-server|helm|gateway-api|cert-manager ...]   (default: all)
#
# Prints `NAME=PATH` lines for what it provides; on failure names the tool, the step and how to fix it.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=versions.env
source "$here/versions.env"
cache=${WEFT_CACHE_DIR:-$repo/.cache}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
# One install at a time per cache: parallel test runs wait here instead of building into the same folder.
exec 9>"$cache/.install.lock"
flock 9
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"
export CGO_ENABLED=0

# Half-built folders never stay behind: each build goes to a temp folder that is moved into place on success.
tmps=()
trap '[ ${#tmps[@]} -eq 0 ] || rm -rf "${tmps[@]}"' EXIT
new_tmp() { tmp=$(mktemp -d "$cache/.$1.XXXXXX"); tmps+=("$tmp"); }  # sets $tmp

fail() { # tool step fix logfile
  echo "weft: could not provide $1: step '$2' failed." >&2
  [ -n "${4:-}" ] && [ -f "$4" ] && { echo "--- last lines of $4 ---" >&2; tail -n 25 "$4" >&2; echo "---" >&2; }
  echo "how to fix: $3" >&2
  exit 1
}

need_go() {
  command -v go >/dev/null 2>&1 || fail "$1" "find go" "install Go >= 1.26 (https://go.dev/dl or 'apt-get install golang') and put it on PATH"
}

# check_version TOOL BINARY EXPECTED ARGS... : the binary must run and print EXPECTED.
check_version() {
  local tool=$1 bin=$2 want=$3; shift 3
  local out
  out=$("$bin" "$@" 2>&1) || fail "$tool" "run '$bin $*'" "delete $(dirname "$bin") and run this script again" 
  grep -qF -- "$want" <<<"$out" || fail "$tool" "check version (wanted $want, got: $(head -n1 <<<"$out"))" "delete $(dirname "$bin") and run this script again"
}

cached_ok() { # BINARY EXPECTED ARGS... : true when the cached binary reports the pinned version
  local bin=$1 want=$2; shift 2
  local out
  [ -x "$bin" ] || return 1
  # Capture first: `| grep -q` would close the pipe early and pipefail would count the writer's SIGPIPE as a failure.
  out=$("$bin" "$@" 2>/dev/null) || return 1
  grep -qF -- "$want" <<<"$out"
}

provide_kube() { # builds kube-apiserver and kubectl together: they share one module graph
  local v=$KUBERNETES_VERSION dir=$cache/kubernetes-v$KUBERNETES_VERSION
  if cached_ok "$dir/kube-apiserver" "v$v" --version && cached_ok "$dir/kubectl" "v$v" version --client; then return; fi
  need_go kube-apiserver
  local log=$cache/kubernetes-build.log tmp
  new_tmp kubernetes
  local ld="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $pkg.gitVersion=v$v -X $pkg.gitMajor=${v%%.*} -X $pkg.gitMinor=$(cut -d. -f2 <<<"$v") -X $pkg.gitTreeState=clean"
  done
  echo "weft: building kube-apiserver v$v from the Go module proxy (first time ~8 min, log: $log)" >&2
  (cd "$here/kube" && go build -trimpath -ldflags "$ld" -o "$tmp/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver) >"$log" 2>&1 \
    || fail kube-apiserver "go build k8s.io/kubernetes/cmd/kube-apiserver@v$v" "check that the Go module proxy is reachable (GOPROXY=$(go env GOPROXY)) and that there is ~4 GB of free disk and ~3 GB of memory" "$log"
  echo "weft: building kubectl v$v" >&2
  (cd "$here/kube" && go build -trimpath -ldflags "$ld" -o "$tmp/kubectl" k8s.io/kubernetes/cmd/kubectl) >>"$log" 2>&1 \
    || fail kubectl "go build k8s.io/kubernetes/cmd/kubectl@v$v" "see the log above; the module graph is scripts/servers/kube/go.mod" "$log"
  rm -rf "$dir"; mv "$tmp" "$dir"
  check_version kube-apiserver "$dir/kube-apiserver" "v$v" --version
  check_version kubectl "$dir/kubectl" "v$v" version --client
}

# go_install TOOL MODULE@VERSION BINARY-NAME-FROM-GO DEST-DIR DEST-NAME [EXTRA-LDFLAGS]
go_install() {
  local tool=$1 mod=$2 built=$3 dir=$4 name=$5 extra=${6:-} log=$cache/$1-build.log tmp
  need_go "$tool"
  new_tmp $tool
  echo "weft: building $tool ($mod) from the Go module proxy (log: $log)" >&2
  GOBIN=$tmp go install -trimpath -ldflags "-s -w $extra" "$mod" >"$log" 2>&1 \
    || fail "$tool" "go install $mod" "check that the Go module proxy is reachable (GOPROXY=$(go env GOPROXY)); the build log is above" "$log"
  mv "$tmp/$built" "$tmp/$name" 2>/dev/null || true
  rm -rf "$dir"; mv "$tmp" "$dir"
}

provide_etcd() { # etcd and etcdctl, from the module graph in scripts/servers/etcd/go.mod
  local v=$ETCD_VERSION dir=$cache/etcd-v$ETCD_VERSION log=$cache/etcd-build.log tmp
  if cached_ok "$dir/etcd" "etcd Version: $v" --version && cached_ok "$dir/etcdctl" "etcdctl version: $v" version; then return; fi
  need_go etcd
  new_tmp etcd
  echo "weft: building etcd v$v from the Go module proxy (log: $log)" >&2
  (cd "$here/etcd" && go build -trimpath -ldflags "-s -w" -o "$tmp/etcd" go.etcd.io/etcd/server/v3 \
    && go build -trimpath -ldflags "-s -w" -o "$tmp/etcdctl" go.etcd.io/etcd/etcdctl/v3) >"$log" 2>&1 \
    || fail etcd "go build go.etcd.io/etcd/server/v3@v$v" "check that the Go module proxy is reachable (GOPROXY=$(go env GOPROXY)); the module graph is scripts/servers/etcd/go.mod" "$log"
  rm -rf "$dir"; mv "$tmp" "$dir"
  check_version etcd "$dir/etcd" "etcd Version: $v" --version
  check_version etcdctl "$dir/etcdctl" "etcdctl version: $v" version
}

provide_nats() {
  local v=$NATS_SERVER_VERSION dir=$cache/nats-server-v$NATS_SERVER_VERSION
  cached_ok "$dir/nats-server" "v$v" --version && return
  go_install nats-server "github.com/nats-io/nats-server/v2@v$v" nats-server "$dir" nats-server
  check_version nats-server "$dir/nats-server" "v$v" --version
}

provide_helm() {
  local v=$HELM_VERSION dir=$cache/helm-v$HELM_VERSION
  cached_ok "$dir/helm" "\"v$v\"" version && return
  # helm reports only major.minor unless its version variable is set at link time
  go_install helm "helm.sh/helm/v3/cmd/helm@v$v" helm "$dir" helm "-X helm.sh/helm/v3/internal/version.version=v$v"
  check_version helm "$dir/helm" "\"v$v\"" version
}

provide_gateway_api() { # the CRD YAML shipped inside the sigs.k8s.io/gateway-api module
  local v=$GATEWAY_API_VERSION dir=$cache/gateway-api-v$GATEWAY_API_VERSION
  [ -f "$dir/standard/gateway.networking.k8s.io_httproutes.yaml" ] && return
  need_go gateway-api
  local log=$cache/gateway-api-download.log src tmp
  src=$(cd "$here/kube" && go mod download -json "sigs.k8s.io/gateway-api@v$v" 2>"$log" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p') \
    || fail gateway-api "go mod download sigs.k8s.io/gateway-api@v$v" "check that the Go module proxy is reachable" "$log"
  [ -d "$src/config/crd/standard" ] || fail gateway-api "find config/crd/standard in $src" "check GATEWAY_API_VERSION in scripts/servers/versions.env" "$log"
  new_tmp gateway-api
  mkdir -p "$tmp/standard" "$tmp/experimental"
  cp "$src"/config/crd/standard/*.yaml "$tmp/standard/"
  cp "$src"/config/crd/experimental/*.yaml "$tmp/experimental/" 2>/dev/null || true
  rm -f "$tmp"/*/kustomization.yaml
  chmod -R u+w "$tmp"
  rm -rf "$dir"; mv "$tmp" "$dir"
}

provide_cert_manager() { # cert-manager's control loops (scripts/servers/cert-manager/main.go) and its CRDs
  local v=$CERT_MANAGER_VERSION dir=$cache/cert-manager-v$CERT_MANAGER_VERSION log=$cache/cert-manager-build.log tmp src
  if cached_ok "$dir/cert-manager-controller" "v$v" --version && [ -f "$dir/crds/cert-manager.io_certificaterequests.yaml" ]; then return; fi
  need_go cert-manager
  new_tmp cert-manager
  echo "weft: building cert-manager v$v's controller from the Go module proxy (first time ~5 min, log: $log)" >&2
  # cert-manager's own main (module .../controller-binary) is not on the proxy; main.go wires the published loops.
  (cd "$here/cert-manager" && go build -trimpath -ldflags "-s -w -X github.com/cert-manager/cert-manager/pkg/util.AppVersion=v$v" -o "$tmp/cert-manager-controller" .) >"$log" 2>&1 \
    || fail cert-manager "go build github.com/cert-manager/cert-manager@v$v (scripts/servers/cert-manager)" "check that the Go module proxy is reachable (GOPROXY=$(go env GOPROXY)); the module graph is scripts/servers/cert-manager/go.mod" "$log"
  src=$(cd "$here/cert-manager" && go mod download -json "github.com/cert-manager/cert-manager@v$v" 2>>"$log" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p') \
    || fail cert-manager "go mod download github.com/cert-manager/cert-manager@v$v" "check that the Go module proxy is reachable" "$log"
  [ -f "$src/deploy/crds/cert-manager.io_certificaterequests.yaml" ] || fail cert-manager "find deploy/crds in $src" "check CERT_MANAGER_VERSION in scripts/servers/versions.env" "$log"
  mkdir -p "$tmp/crds"
  cp "$src"/deploy/crds/*.yaml "$tmp/crds/"
  chmod -R u+w "$tmp"
  rm -rf "$dir"; mv "$tmp" "$dir"
  check_version cert-manager "$dir/cert-manager-controller" "v$v" --version
}

tools=("$@")
[ ${#tools[@]} -eq 0 ] && tools=(kube-apiserver etcd nats-server helm gateway-api cert-manager)
for t in "${tools[@]}"; do
  case $t in
    kube-apiserver|kubectl) provide_kube
      echo "kube-apiserver=$cache/kubernetes-v$KUBERNETES_VERSION/kube-apiserver"
      echo "kubectl=$cache/kubernetes-v$KUBERNETES_VERSION/kubectl" ;;
    etcd|etcdctl) provide_etcd
      echo "etcd=$cache/etcd-v$ETCD_VERSION/etcd"
      echo "etcdctl=$cache/etcd-v$ETCD_VERSION/etcdctl" ;;
    nats-server) provide_nats; echo "nats-server=$cache/nats-server-v$NATS_SERVER_VERSION/nats-server" ;;
    helm) provide_helm; echo "helm=$cache/helm-v$HELM_VERSION/helm" ;;
    gateway-api) provide_gateway_api; echo "gateway-api=$cache/gateway-api-v$GATEWAY_API_VERSION" ;;
    cert-manager) provide_cert_manager
      echo "cert-manager=$cache/cert-manager-v$CERT_MANAGER_VERSION/cert-manager-controller"
      echo "cert-manager-crds=$cache/cert-manager-v$CERT_MANAGER_VERSION/crds" ;;
    *) echo "weft: unknown tool '$t' (known: kube-apiserver kubectl etcd etcdctl nats-server helm gateway-api cert-manager)" >&2; exit 2 ;;
  esac
done
