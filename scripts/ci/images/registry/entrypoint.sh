#!/bin/sh
# Same command-line contract as the public registry:2 image: a config path, a registry
# subcommand, or any other command to run instead.
set -e
case "$1" in
  *.yml | *.yaml) set -- registry serve "$@" ;;
  serve | garbage-collect | help | -*) set -- registry "$@" ;;
esac
exec "$@"
