package org.snipblock.adapter.model;

import java.util.List;

/**
 * What the operator asked for: the VM's shape, its disks (the first is the system disk) and where and
 * how it should run. Checked by {@code vm create} before anything is recorded.
 *
 * @param site only hosts in this site (null: any) when created or started; a restart after its host
 *     died goes further up the hierarchy when nothing in the site has room, unless {@code siteStrict}
 * @param host exactly this host (null: the best match)
 * @param priority higher runs first when capacity is short (a restart may stop a lower one)
 * @param group anti-affinity group: with {@code antiAffinity}, no two of its VMs share a host
 * @param kernel direct kernel boot overriding the template's (null: the template's, else the firmware)
 * @param siteStrict the site is a hard limit, for restarts too (data that must stay in a jurisdiction)
 */
public record VmSpec(int cpus, long memoryBytes, List<DiskSpec> disks, String site, String host, int priority,
    String group, boolean antiAffinity, String kernel, String initrd, String append, List<String> sshKeys,
    String userData, boolean siteStrict) {
  public VmSpec {
    disks = List.copyOf(disks);
    sshKeys = sshKeys == null ? List.of() : List.copyOf(sshKeys);
  }

  /** The same spec placed by other constraints (null: any site, the best host). */
  public VmSpec at(String otherSite, String otherHost) {
    return new VmSpec(cpus, memoryBytes, disks, otherSite, otherHost, priority, group, antiAffinity, kernel, initrd,
        append, sshKeys, userData, siteStrict);
  }

  public VmSpec withDisks(List<DiskSpec> others) {
    return new VmSpec(cpus, memoryBytes, others, site, host, priority, group, antiAffinity, kernel, initrd, append,
        sshKeys, userData, siteStrict);
  }
}
