# Sourced by side-by-side.sh. Makes sure every program the harness runs is present:
# Debian packages for the reference servers and build deps, and a fio built from Debian's own
# source package with the libiscsi engine (Debian's fio binary has nbd but not libiscsi).
# Sets FIO to the fio binary to use for every system, so all are driven by the same build.

BENCH_TOOLS="${BENCH_TOOLS:-$BENCH_DIR/.tools}"
FIO="$BENCH_TOOLS/fio/bin/fio"

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
  log "installing Debian packages: $*"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_packages() {
  local needs=(
    "tgtd tgt"
    "tgtadm tgt"
    "nbdkit nbdkit"
    "iscsi-ls libiscsi-bin"
    "iscsi-readcapacity16 libiscsi-bin"
    "nbdinfo libnbd-bin"
    "python3 python3"
    "gcc build-essential"
    "make build-essential"
    "dpkg-source dpkg-dev"
    "pkg-config pkg-config"
  )
  local missing=() n
  for n in "${needs[@]}"; do
    set -- $n
    command -v "$1" >/dev/null 2>&1 || missing+=("$2")
  done
  # Headers fio's configure probes for; packages without a command are checked by dpkg.
  for n in libiscsi-dev libnbd-dev libaio-dev zlib1g-dev; do
    dpkg-query -W -f='${Status}' "$n" 2>/dev/null | grep -q "ok installed" || missing+=("$n")
  done
  if ((${#missing[@]})); then
    apt_install $(printf '%s\n' "${missing[@]}" | sort -u)
  fi
}

# Adds a deb-src entry for the running Debian suite in a file of its own, when none exists.
ensure_deb_src() {
  if grep -rqs '^\s*\(Types:.*deb-src\|deb-src\)' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    return
  fi
  local suite
  suite="$(. /etc/os-release && echo "$VERSION_CODENAME")"
  log "adding deb-src for Debian $suite (/etc/apt/sources.list.d/snipblock-bench-src.sources)"
  as_root tee /etc/apt/sources.list.d/snipblock-bench-src.sources >/dev/null <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  as_root apt-get update -qq
}

fio_has_engines() {
  [ -x "$FIO" ] && "$FIO" --enghelp 2>/dev/null | grep -qw libiscsi \
    && "$FIO" --enghelp 2>/dev/null | grep -qw nbd
}

ensure_fio() {
  if fio_has_engines; then
    return
  fi
  ensure_deb_src
  local src="$BENCH_TOOLS/src"
  rm -rf "$src" && mkdir -p "$src"
  log "fetching Debian's fio source package"
  (cd "$src" && timeout 600 apt-get source -qq fio >/dev/null)
  local dir
  dir="$(find "$src" -maxdepth 1 -mindepth 1 -type d -name 'fio-*' | head -1)"
  [ -n "$dir" ] || die "apt-get source fio produced no source tree"
  log "building fio with libiscsi and libnbd into $BENCH_TOOLS/fio (once)"
  (
    cd "$dir"
    ./configure --prefix="$BENCH_TOOLS/fio" --enable-libiscsi --enable-libnbd >"$src/configure.log" 2>&1
    timeout 1200 make -j"$(nproc)" >"$src/make.log" 2>&1
    make install >>"$src/make.log" 2>&1
  ) || die "fio build failed; see $src/configure.log and $src/make.log"
  fio_has_engines || die "built fio lacks the libiscsi or nbd engine; see $src/configure.log"
}

ensure_tools() {
  ensure_packages
  ensure_fio
  log "fio: $("$FIO" --version) ($FIO)"
}
