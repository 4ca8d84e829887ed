package org.snipblock.iscsi.session;

/**
 * The operational parameters a login ends with (RFC 7143 section 13), for both directions.
 *
 * @param initiatorMaxRecvDataSegmentLength largest data segment we may send
 * @param targetMaxRecvDataSegmentLength    largest data segment we accept (what we declared)
 */
public record SessionParameters(
    boolean headerDigest,
    boolean dataDigest,
    int initiatorMaxRecvDataSegmentLength,
    int targetMaxRecvDataSegmentLength,
    int maxBurstLength,
    int firstBurstLength,
    boolean initialR2T,
    boolean immediateData,
    int maxOutstandingR2T,
    boolean dataPduInOrder,
    boolean dataSequenceInOrder,
    int defaultTime2Wait,
    int defaultTime2Retain,
    int errorRecoveryLevel,
    int maxConnections) {}
