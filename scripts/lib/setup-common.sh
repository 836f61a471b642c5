# Shared by scripts/setup*.sh and backends/<name>/setup.sh (sourced, not run).
# Every helper is idempotent and uses this machine's own package sources: no
# registry host name is written anywhere; apt's mirror is read from the
# system's sources, npm and pip use their own configuration.
#
#   root, deps            project root and its dependency folder (.deps, git-ignored)
#   log MSG...            "setup[<component>]: MSG" on stderr
#   as_root CMD...        CMD as root (sudo when not root)
#   apt_install PKG...    installs the Debian packages that are missing
#   apt_fetch SUITE DEST PKG[=VER]...   downloads .debs of another suite (trixie, sid)
#                         into DEST through a private apt state: the system's apt
#                         configuration is never touched
#   apt_fetch_source SUITE DEST SRCPKG[=VER]  the same for a source package (apt-get source --download-only)
#   deb_extract DEB DIR   unpacks a .deb's files into DIR
#   pip_fetch DEST SPEC [pip download options...]  a wheel/sdist into DEST, unless one is there
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
deps=${WASMNN_DEPS:-$root/.deps}
setup_component=${setup_component:-setup}

log() { echo "setup[$setup_component]: $*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
  local missing="" p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  log "apt installing$missing"
  # Wait for a concurrent apt/dpkg instead of failing on its lock.
  as_root apt-get -o DPkg::Lock::Timeout=900 update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive as_root apt-get -o DPkg::Lock::Timeout=900 install -y -qq \
    --no-install-recommends $missing
}

# The Debian mirror this machine uses (deb822 sources first, then sources.list).
debian_mirror() {
  local uri=""
  uri=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$uri" ] || uri=$(awk '$1=="deb" && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  [ -n "$uri" ] || { log "cannot find this machine's Debian mirror in /etc/apt"; return 1; }
  echo "$uri"
}

# apt-get options for a private state directory serving SUITE (main, deb and deb-src).
private_apt() {
  local suite=$1 d=$deps/apt-$1 uri
  uri=$(debian_mirror)
  mkdir -p "$d/state/lists/partial" "$d/cache/archives/partial"
  printf 'deb %s %s main\ndeb-src %s %s main\n' "$uri" "$suite" "$uri" "$suite" >"$d/sources.list"
  private_apt_opts=(-o "Dir::State=$d/state" -o "Dir::Cache=$d/cache"
    -o "Dir::Etc::SourceList=$d/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
    -o "Dir::State::status=/var/lib/dpkg/status")
  # One update per suite and setup run.
  if [ ! -f "$d/state/updated.$$" ]; then
    apt-get "${private_apt_opts[@]}" update -qq
    rm -f "$d"/state/updated.*
    touch "$d/state/updated.$$"
  fi
}

apt_fetch() {
  local suite=$1 dest=$2
  shift 2
  private_apt "$suite"
  mkdir -p "$dest"
  (cd "$dest" && apt-get "${private_apt_opts[@]}" download "$@")
}

apt_fetch_source() {
  local suite=$1 dest=$2
  shift 2
  private_apt "$suite"
  mkdir -p "$dest"
  # apt-get source may fail on the .dsc's signature check after the tarballs arrived; callers check for the files.
  (cd "$dest" && apt-get "${private_apt_opts[@]}" source --download-only "$@") || true
}

deb_extract() { mkdir -p "$2" && dpkg-deb -x "$1" "$2"; }

pip_fetch() {
  local dest=$1 spec=$2
  shift 2
  mkdir -p "$dest"
  local name=${spec%%[=<>]*}
  if ls "$dest" 2>/dev/null | grep -qi "^${name//-/_}-"; then return 0; fi
  log "pip download $spec"
  python3 -m pip download --quiet --no-deps -d "$dest" "$@" "$spec"
}
