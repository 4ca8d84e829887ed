package org.snipblock.iscsi.scsi;

/**
 * The changeable mode parameters of a logical unit, shared by all nexuses (SPC-4 says mode
 * pages may be per nexus or shared; shared is what hypervisor clusters expect). Not saved:
 * SP=1 and the saved page control are refused.
 */
final class ModeParameters {
  private boolean writeCacheEnabled = true;
  private boolean softwareWriteProtect;
  private boolean descriptorSense;

  synchronized boolean writeCacheEnabled() {
    return writeCacheEnabled;
  }

  synchronized boolean softwareWriteProtect() {
    return softwareWriteProtect;
  }

  synchronized boolean descriptorSense() {
    return descriptorSense;
  }

  synchronized void set(boolean wce, boolean swp, boolean dSense) {
    writeCacheEnabled = wce;
    softwareWriteProtect = swp;
    descriptorSense = dSense;
  }

  synchronized ModeParameters copy() {
    ModeParameters m = new ModeParameters();
    m.set(writeCacheEnabled, softwareWriteProtect, descriptorSense);
    return m;
  }
}
