package org.snipblock.iscsi.pdu;

/**
 * What the wire codec of one connection needs to know, changed by the login handler when
 * negotiation completes: digests (both directions switch on together after the final Login
 * Response) and the largest data segment this side accepts.
 */
public final class ConnectionCodecState {
  /** RFC 7143 section 6.1: Login and Text PDUs during login carry at most 8192 bytes of data. */
  public static final int LOGIN_MAX_DATA_SEGMENT = 8192;

  private boolean headerDigest;
  private boolean dataDigest;
  private int maxRecvDataSegmentLength = LOGIN_MAX_DATA_SEGMENT;

  public boolean headerDigest() {
    return headerDigest;
  }

  public boolean dataDigest() {
    return dataDigest;
  }

  public int maxRecvDataSegmentLength() {
    return maxRecvDataSegmentLength;
  }

  public void enterFullFeaturePhase(boolean headerDigest, boolean dataDigest, int maxRecvDsl) {
    this.headerDigest = headerDigest;
    this.dataDigest = dataDigest;
    this.maxRecvDataSegmentLength = maxRecvDsl;
  }
}
