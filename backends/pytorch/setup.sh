#!/usr/bin/env bash
# libtorch for the PyTorch backend: Debian bookworm's libtorch-dev 1.13 (find_package(Torch)).
setup_component=pytorch
source "$(dirname "$0")/../../scripts/lib/setup-common.sh"
apt_install libtorch-dev
