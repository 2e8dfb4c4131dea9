# shellcheck shell=bash
# Source this file (`source scripts/ci/env.sh`) to run tests against the locally built stand-in images
# that scripts/ci/images.sh produces. No container registry is reachable on CI, so public images
# cannot be pulled; unset these variables and the project falls back to the public images.
export LOCKSTEP_BASE_IMAGE=lockstep-ci/base:bookworm
export LOCKSTEP_NODE_IMAGE=lockstep-ci/node:20
export LOCKSTEP_REGISTRY_IMAGE=lockstep-ci/registry:2

# Ryuk is itself an image that would have to be pulled; the daemon's ports are published on localhost.
export TESTCONTAINERS_RYUK_DISABLED=true
export TESTCONTAINERS_HOST_OVERRIDE=localhost

# Debian bookworm's docker.io has no buildx, and client 28 refuses BuildKit without it, so every
# `docker build` (ours, docker-compose's, the tests') must use the legacy builder.
export DOCKER_BUILDKIT=0
