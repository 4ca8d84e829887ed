package org.snipblock.iscsi.scsi;

/**
 * The changeable mode parameters of a logical unit, shared by all nexuses and, through
 * {@link SharedUnitStateSync}, by every path of the LU (SPC-4 says mode pages may be per nexus or
 * shared; shared is what hypervisor clusters expect). Not saved: SP=1 and the saved page control
 * are refused.
 */
final class ModeParameters {
  /** The values, as shared between the paths; {@link #DEFAULT} until a MODE SELECT changes them. */
  record Values(boolean writeCacheEnabled, boolean softwareWriteProtect, boolean descriptorSense) {
    static final Values DEFAULT = new Values(true, false, false);
  }

  private Values values = Values.DEFAULT;

  synchronized boolean writeCacheEnabled() {
    return values.writeCacheEnabled();
  }

  synchronized boolean softwareWriteProtect() {
    return values.softwareWriteProtect();
  }

  synchronized boolean descriptorSense() {
    return values.descriptorSense();
  }

  synchronized Values values() {
    return values;
  }

  synchronized void set(boolean wce, boolean swp, boolean dSense) {
    values = new Values(wce, swp, dSense);
  }

  synchronized void restore(Values v) {
    values = v;
  }

  synchronized ModeParameters copy() {
    ModeParameters m = new ModeParameters();
    m.restore(values);
    return m;
  }
}
