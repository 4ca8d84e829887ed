package org.snipblock.iscsi.scsi;

/** Persistent reservation types (SPC-4 table 176) and who each one lets in. */
enum ReservationType {
  WRITE_EXCLUSIVE(0x1, false, false, false),
  EXCLUSIVE_ACCESS(0x3, true, false, false),
  WRITE_EXCLUSIVE_REGISTRANTS_ONLY(0x5, false, true, false),
  EXCLUSIVE_ACCESS_REGISTRANTS_ONLY(0x6, true, true, false),
  WRITE_EXCLUSIVE_ALL_REGISTRANTS(0x7, false, true, true),
  EXCLUSIVE_ACCESS_ALL_REGISTRANTS(0x8, true, true, true);

  final int code;
  /** Non-holders may not even read. */
  final boolean exclusiveAccess;
  /** Every registrant gets the holder's access. */
  final boolean registrantsAccess;
  /** Every registrant is a reservation holder (the reservation key reads as zero). */
  final boolean allRegistrants;

  ReservationType(int code, boolean exclusiveAccess, boolean registrantsAccess, boolean allRegistrants) {
    this.code = code;
    this.exclusiveAccess = exclusiveAccess;
    this.registrantsAccess = registrantsAccess;
    this.allRegistrants = allRegistrants;
  }

  static ReservationType of(int code) {
    for (ReservationType t : values()) {
      if (t.code == code) {
        return t;
      }
    }
    return null;
  }
}
