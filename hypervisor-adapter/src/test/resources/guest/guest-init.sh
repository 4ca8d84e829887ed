#!/bin/sh
# The guest program (the initramfs's /init). Its kernel command line picks what it does:
#   snipguest=counter  writes block n mod size (4 KiB) with "CNT<n>\n" repeated, reads it back, forever;
#                      prints "GUEST: n=<n> err=<errors>" every 64 blocks (a live-migration probe)
#   snipguest=files    mounts /dev/vda (ext4, read-write) and prints its /etc/hostname, appends a
#                      line to /var/log/boots, prints them all and "GUEST: files ok"; then powers off
#   snipguest=seed     first mounts the NoCloud seed disk (vfat or iso9660, after the VM's disks), prints its
#                      local-hostname, first ssh key and user data's second line, and appends "boot <that name>"
#                      instead of "boot template"
#   snipguest=bench    bench/vm-migrate.sh's guest: writes snipbench.fill MiB (default 256) from the start of
#                      the disk, prints "GUEST: filled"; then rewrites them in snipbench.bs KiB blocks (default
#                      64; divides 1024), one at a time with O_DIRECT, at most snipbench.rate KiB/s (0 or none:
#                      as fast as it can), and every 0.2 s prints the disk's write counters (/sys/block/vda/stat)
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
bench)
  arg() { sed -n "s/.*snipbench\.$1=\([0-9]*\).*/\1/p" /proc/cmdline; }
  fill=$(arg fill); bs=$(arg bs); rate=$(arg rate)
  fill=${fill:-256}; bs=${bs:-64}; rate=${rate:-0}
  cs() { read u rest < /proc/uptime; echo $(( ${u%.*} * 100 + 1${u#*.} - 100 )); }   # centiseconds since boot
  yes SNIPBENCH | head -c 1048576 > /tmp/m
  t0=$(cs)
  yes SNIPBENCH | dd of=/dev/vda bs=1M count="$fill" iflag=fullblock oflag=direct 2>/dev/null \
    && echo "GUEST: filled $fill MiB in $(( $(cs) - t0 )) cs" || echo "GUEST: fill failed"
  # The writer: 1 MiB per dd (its start-up is then small next to the writes), wrapping over the filled part.
  (
    per=$((1024 / bs)); blocks=$((fill * 1024 / bs)); n=0; start=$(cs)
    while :; do
      dd if=/tmp/m of=/dev/vda bs="${bs}k" seek=$(( (n * per) % blocks )) count="$per" oflag=direct 2>/dev/null \
        || echo "GUEST: write error"
      n=$((n + 1))
      if [ "$rate" -gt 0 ]; then
        d=$(( n * 1024 * 100 / rate - ($(cs) - start) ))
        [ "$d" -gt 0 ] && sleep "$((d / 100)).$(printf %02d $((d % 100)))"
      fi
    done
  ) &
  # w: writes completed, ws: sectors written, wt: milliseconds the writes took (the kernel's own counters)
  while :; do
    read r1 r2 r3 r4 w wm ws wt rest < /sys/block/vda/stat
    echo "GUEST: io t=$(cs) w=$w ws=$ws wt=$wt"
    sleep 0.2
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
