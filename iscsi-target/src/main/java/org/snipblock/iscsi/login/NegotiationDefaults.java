package org.snipblock.iscsi.login;

/**
 * What this target offers or accepts for each negotiable key (RFC 7143 section 13). The
 * negotiation outcome is the RFC's function (min, max, AND, OR) of these and the initiator's
 * values; ErrorRecoveryLevel is always 0 and MaxConnections 1 because nothing more is implemented.
 */
public record NegotiationDefaults(
    int maxRecvDataSegmentLength,
    int maxBurstLength,
    int firstBurstLength,
    boolean initialR2T,
    boolean immediateData,
    int maxOutstandingR2T,
    int defaultTime2Wait,
    int defaultTime2Retain,
    boolean allowHeaderDigest,
    boolean allowDataDigest) {

  public static NegotiationDefaults standard() {
    return new NegotiationDefaults(262144, 1048576, 65536, false, true, 16, 2, 20, true, true);
  }

  public NegotiationDefaults {
    if (maxRecvDataSegmentLength < 512 || maxRecvDataSegmentLength > 16777215
        || maxBurstLength < 512 || maxBurstLength > 16777215
        || firstBurstLength < 512 || firstBurstLength > maxBurstLength
        || maxOutstandingR2T < 1 || maxOutstandingR2T > 65535) {
      throw new IllegalArgumentException("negotiation defaults out of RFC 7143 ranges");
    }
  }
}
