package org.snipblock.iscsi.scsi;

/**
 * An I_T nexus: one initiator port talking to one target port. For iSCSI the initiator port is
 * the initiator name plus the session's ISID, and the target port is the target name plus TPGT
 * (RFC 7143 section 4.4.2). Persistent reservations and unit attentions are kept per nexus.
 */
public record ItNexus(String initiatorName, long isid, String targetName, int tpgt) {
  /** iSCSI initiator port name: {@code name,i,0xISID} (SPC-4 TransportID format 01b). */
  public String initiatorPortName() {
    return initiatorName + ",i,0x" + String.format("%012x", isid);
  }
}
