#!/bin/sh
# The guest program (the initramfs's /init). Its kernel command line picks what it does:
#   snipguest=counter  writes block n mod size (4 KiB) with "CNT<n>\n" repeated, reads it back, forever;
#                      prints "GUEST: n=<n> err=<errors>" every 64 blocks (a live-migration probe)
#   snipguest=files    mounts /dev/vda (ext4, read-write) and prints its /etc/hostname, appends a
#                      line to /var/log/boots, prints them all and "GUEST: files ok"; then powers off
#   snipguest=seed     first mounts the NoCloud seed disk (vfat or iso9660, after the VM's disks), prints its
#                      local-hostname, first ssh key and user data's second line, and appends "boot <that name>"
#                      instead of "boot template"
PATH=/bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
mkdir -p /tmp; mount -t tmpfs tmp /tmp
for m in $(cat /lib/modules/order); do insmod /lib/modules/$m 2>/dev/null; done
mode=$(sed -n 's/.*snipguest=\([a-z]*\).*/\1/p' /proc/cmdline)
i=0; while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
[ -b /dev/vda ] || { echo "GUEST: NO /dev/vda"; poweroff -f; }
case "$mode" in
counter)
  n=0; err=0; blocks=$(( $(cat /sys/block/vda/size) / 8 ))
  while :; do
    b=$((n % blocks))
    yes "$(printf 'CNT%010d' $n)" | head -c 4096 > /tmp/b4k
    dd if=/tmp/b4k of=/dev/vda bs=4096 seek=$b count=1 conv=notrunc,fsync 2>/dev/null || err=$((err+1))
    dd if=/dev/vda of=/tmp/back bs=4096 skip=$b count=1 iflag=direct 2>/dev/null || err=$((err+1))
    cmp -s /tmp/b4k /tmp/back || { err=$((err+1)); echo "GUEST: MISMATCH at $n (block $b)"; }
    [ $((n % 64)) -eq 0 ] && echo "GUEST: n=$n t=$(date +%s) err=$err"
    n=$((n+1))
  done ;;
files|seed)
  # seed: the NoCloud seed disk (/dev/vdb, vfat or iso9660) names this VM; its name goes in the boot log
  name=template
  if [ "$mode" = seed ]; then
    # the seed disk comes after the VM's disks: the first vfat or iso9660 disk holding meta-data
    i=0
    while [ ! -f /seed/meta-data ] && [ $i -lt 50 ]; do
      for d in /dev/vd[b-z]; do
        [ -b "$d" ] || continue
        mount -t vfat -o ro "$d" /seed 2>/dev/null || mount -t iso9660 -o ro "$d" /seed 2>/dev/null || continue
        [ -f /seed/meta-data ] && break
        umount /seed
      done
      [ -f /seed/meta-data ] || sleep 0.1
      i=$((i+1))
    done
    [ -f /seed/meta-data ] || echo "GUEST: no seed disk"
    name=$(sed -n 's/^local-hostname: *//p' /seed/meta-data)
    echo "GUEST: seed-hostname=$name"
    # the first ssh key of meta-data, the second line of user-data (the first is #cloud-config)
    echo "GUEST: seed-key=$(sed -n 's/.*\(ssh-[a-z0-9-]* [A-Za-z0-9+/=]*\).*/\1/p' /seed/meta-data | head -n 1)"
    echo "GUEST: seed-user-data=$(sed -n 2p /seed/user-data)"
  fi
  echo "GUEST: vda-bytes=$(( $(cat /sys/block/vda/size) * 512 ))"
  mount -t ext4 /dev/vda /mnt || { echo "GUEST: mount failed"; poweroff -f; }
  echo "GUEST: hostname=$(cat /mnt/etc/hostname 2>/dev/null)"
  echo "boot $name" >> /mnt/var/log/boots; sync
  echo "GUEST: boots=$(wc -l < /mnt/var/log/boots) log=$(tr '\n' ' ' < /mnt/var/log/boots)"
  umount /mnt; echo "GUEST: files ok"; poweroff -f ;;
*) echo "GUEST: unknown mode '$mode'"; poweroff -f ;;
esac
