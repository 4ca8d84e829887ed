package org.snipblock.iscsi.alua;

/**
 * One target port group of a logical unit and its state. snipblock gives every node one portal
 * group whose tag is also its target port group number and the relative target port identifier
 * of its single target port, so one number names a node's path in iSCSI and in SCSI.
 */
public record PortGroup(int tag, AccessState state) {
  public PortGroup {
    if (tag < 1 || tag > 0xffff) {
      throw new IllegalArgumentException("target port group " + tag + " outside 1..65535");
    }
  }
}
