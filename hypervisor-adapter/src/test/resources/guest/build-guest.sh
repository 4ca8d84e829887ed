#!/usr/bin/env bash
# Builds a tiny Linux guest for tests: prints the paths of a Debian kernel and of a busybox
# initramfs (written to OUT/initrd.gz) whose /init loads virtio-blk, ext4, vfat and iso9660
# from the installed kernel's modules and runs the guest program (guest-init.sh).
# Needs (Debian): qemu-system-x86 linux-image-amd64 busybox-static cpio (no download at test time).
# usage: build-guest.sh OUT
set -euo pipefail
out=${1:?usage: build-guest.sh OUT}
here=$(cd "$(dirname "$0")" && pwd)
kernel=$(ls /boot/vmlinuz-* | sort -V | tail -1)
kver=${kernel#/boot/vmlinuz-}
mods=/lib/modules/$kver
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,mnt,seed,lib/modules}
cp /bin/busybox "$root/bin/busybox"
for a in sh mount umount mkdir cat echo dd cmp sleep insmod printf seq head tail sync poweroff reboot \
         grep sed awk date hexdump od tr wc ls cut hostname yes; do ln -s busybox "$root/bin/$a"; done
# modules and their dependencies, in load order
# nls_*: the kernel mounts vfat with codepage 437 and utf8 names by default, and fails without them
want="virtio_blk ext4 vfat isofs crc32c_generic nls_cp437 nls_ascii nls_utf8"
order=()
add() { # module name -> its .ko path, dependencies first
  local name=$1 path deps d
  path=$(awk -F: -v n="/$name.ko" '$1 ~ n"$" {print $1; exit}' "$mods/modules.dep")
  [ -n "$path" ] || return 0            # built in
  for d in "${order[@]:-}"; do [ "$d" = "$path" ] && return 0; done
  deps=$(awk -F: -v p="$path" '$1 == p {print $2; exit}' "$mods/modules.dep")
  for d in $deps; do add "$(basename "$d" .ko)"; done
  order+=("$path")
}
for m in $want; do add "$m"; done
# virtio_pci drives the virtio bus itself; modules.dep does not name it for virtio_blk
for m in virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci; do add "$m"; done
: > "$root/lib/modules/order"
for p in "${order[@]}"; do cp "$mods/$p" "$root/lib/modules/"; echo "$(basename "$p")" >> "$root/lib/modules/order"; done
cp "$here/guest-init.sh" "$root/init"; chmod +x "$root/init"
mkdir -p "$out"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$out/initrd.gz"
echo "kernel=$kernel"
echo "initrd=$out/initrd.gz"
