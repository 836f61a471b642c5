#!/usr/bin/env bash
# Installs the ML frameworks the WASI-NN backends build against, idempotently
# (anything already present is skipped): runs backends/<name>/setup.sh for each
# backend of backends/backends.list, or for the ones named.
#   scripts/setup-backends.sh [NAME...]       (scripts/setup.sh --backends[=a,b])
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
if [ $# -gt 0 ]; then
  names=("$@")
else
  mapfile -t names < <(grep -v '^[[:space:]]*\(#\|$\)' backends/backends.list)
fi
for name in "${names[@]}"; do
  if ! [ -f "backends/$name/setup.sh" ]; then
    echo "setup-backends: no backends/$name/setup.sh (backends: $(grep -v '^[[:space:]]*\(#\|$\)' backends/backends.list | tr '\n' ' '))" >&2
    exit 2
  fi
  bash "backends/$name/setup.sh"
done
echo "setup-backends: ${names[*]} ready in $(($(date +%s) - start)) s"
