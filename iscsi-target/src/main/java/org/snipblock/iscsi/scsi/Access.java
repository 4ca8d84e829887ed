package org.snipblock.iscsi.scsi;

/**
 * How a command touches the medium, which decides whether a reservation held by another nexus
 * makes it conflict (SPC-4 5.12.3 table 39; SPC-2 5.5.1).
 */
enum Access {
  /** Never conflicts: INQUIRY, REPORT LUNS, REQUEST SENSE, capacity and capability reports. */
  ALWAYS,
  /** Reads the medium or device state: conflicts only under exclusive-access reservations. */
  READ,
  /** Modifies the medium or shared state: conflicts under every reservation type. */
  WRITE,
  /** The reservation commands decide for themselves. */
  RESERVATION
}
