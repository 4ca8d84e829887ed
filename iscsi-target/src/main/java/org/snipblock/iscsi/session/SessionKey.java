package org.snipblock.iscsi.session;

/**
 * What identifies a session for reinstatement (RFC 7143 section 4.4.3): the initiator port
 * (name and ISID) and the target; the target name is empty for discovery sessions.
 */
public record SessionKey(String initiatorName, long isid, String targetName) {
  @Override
  public String toString() {
    return initiatorName + ",i,0x" + String.format("%012x", isid) + " -> "
        + (targetName.isEmpty() ? "(discovery)" : targetName);
  }
}
