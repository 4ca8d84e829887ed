package org.snipblock.iscsi.scsi;

/** SCSI operation codes and service actions this logical unit knows (SPC-4, SBC-3). */
final class Opcodes {
  private Opcodes() {}

  static final int TEST_UNIT_READY = 0x00;
  static final int REQUEST_SENSE = 0x03;
  static final int READ_6 = 0x08;
  static final int WRITE_6 = 0x0a;
  static final int INQUIRY = 0x12;
  static final int MODE_SELECT_6 = 0x15;
  static final int RESERVE_6 = 0x16;
  static final int RELEASE_6 = 0x17;
  static final int MODE_SENSE_6 = 0x1a;
  static final int START_STOP_UNIT = 0x1b;
  static final int PREVENT_ALLOW_MEDIUM_REMOVAL = 0x1e;
  static final int READ_CAPACITY_10 = 0x25;
  static final int READ_10 = 0x28;
  static final int WRITE_10 = 0x2a;
  static final int WRITE_AND_VERIFY_10 = 0x2e;
  static final int VERIFY_10 = 0x2f;
  static final int PRE_FETCH_10 = 0x34;
  static final int SYNCHRONIZE_CACHE_10 = 0x35;
  static final int READ_DEFECT_DATA_10 = 0x37;
  static final int WRITE_SAME_10 = 0x41;
  static final int UNMAP = 0x42;
  static final int MODE_SELECT_10 = 0x55;
  static final int RESERVE_10 = 0x56;
  static final int SANITIZE = 0x48;
  static final int RELEASE_10 = 0x57;
  static final int MODE_SENSE_10 = 0x5a;
  static final int PERSISTENT_RESERVE_IN = 0x5e;
  static final int EXTENDED_COPY = 0x83;
  static final int RECEIVE_COPY_RESULTS = 0x84;
  static final int PERSISTENT_RESERVE_OUT = 0x5f;
  static final int READ_16 = 0x88;
  static final int COMPARE_AND_WRITE = 0x89;
  static final int WRITE_16 = 0x8a;
  static final int ORWRITE_16 = 0x8b;
  static final int WRITE_AND_VERIFY_16 = 0x8e;
  static final int VERIFY_16 = 0x8f;
  static final int PRE_FETCH_16 = 0x90;
  static final int SYNCHRONIZE_CACHE_16 = 0x91;
  static final int WRITE_SAME_16 = 0x93;
  static final int WRITE_ATOMIC_16 = 0x9c;
  static final int SERVICE_ACTION_IN_16 = 0x9e;
  static final int REPORT_LUNS = 0xa0;
  static final int MAINTENANCE_IN = 0xa3;
  static final int MAINTENANCE_OUT = 0xa4;
  static final int READ_12 = 0xa8;
  static final int READ_DEFECT_DATA_12 = 0xb7;
  static final int WRITE_12 = 0xaa;
  static final int WRITE_AND_VERIFY_12 = 0xae;
  static final int VERIFY_12 = 0xaf;

  static final int SA_READ_CAPACITY_16 = 0x10;
  static final int SA_GET_LBA_STATUS = 0x12;
  static final int SA_REPORT_SUPPORTED_OPERATION_CODES = 0x0c;
  static final int SA_REPORT_SUPPORTED_TASK_MANAGEMENT_FUNCTIONS = 0x0d;
}
