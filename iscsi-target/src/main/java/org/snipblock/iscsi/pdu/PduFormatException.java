package org.snipblock.iscsi.pdu;

/**
 * A PDU that cannot be framed safely: the connection must end. Carries the offending header when
 * it is trustworthy enough to quote in a Reject (oversized data segment), or none (bad header
 * digest: the header itself is suspect, RFC 7143 section 7.8).
 */
public final class PduFormatException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final transient byte[] header;

  public PduFormatException(String message, byte[] header) {
    super(message);
    this.header = header;
  }

  /** The BHS to return in a Reject, or null if none should be sent. */
  public byte[] header() {
    return header;
  }
}
