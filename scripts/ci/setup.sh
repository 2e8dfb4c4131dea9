#!/usr/bin/env bash
# Prepares a bare Debian bookworm host (CI or a developer box, as root) for the test suites:
# Debian packages, a running docker daemon, and the locally built images. Safe to re-run.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
t0=$SECONDS
step() { printf '==> [%4ss] %s\n' "$((SECONDS - t0))" "$*"; }

# docker-registry provides the registry binary for the registry image; apache2-utils provides
# htpasswd for the registry auth tests; chromium is used by browser-based checks; jq runs the
# workflow templates' own steps in their tests.
packages=(docker.io docker-compose debootstrap skopeo docker-registry chromium apache2-utils jq)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  step "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # unsafe-io: no fsync per file; a throwaway CI machine does not need crash safety, and it is faster.
  apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-unsafe-io "${missing[@]}" \
    >/tmp/lockstep-apt.log 2>&1 ||
    { tail -n 40 /tmp/lockstep-apt.log; exit 1; }
else
  step "Debian packages present"
fi

if ! docker info >/dev/null 2>&1; then
  step "starting dockerd (log: /tmp/lockstep-dockerd.log)"
  # setsid: the daemon must outlive this script and not receive the CI job's signals.
  setsid dockerd >/tmp/lockstep-dockerd.log 2>&1 </dev/null &
  for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { tail -n 40 /tmp/lockstep-dockerd.log; echo "dockerd did not answer within 60 s" >&2; exit 1; }
fi
step "docker daemon $(docker version -f '{{.Server.Version}}') answers"

step "building local images"
bash "$here/images.sh"
step "setup done"
