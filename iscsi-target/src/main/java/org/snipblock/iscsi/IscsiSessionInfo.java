package org.snipblock.iscsi;

import org.snipblock.iscsi.session.SessionParameters;

/**
 * A logged-in session as operators see it.
 *
 * @param targetName empty for a discovery session
 */
public record IscsiSessionInfo(int tsih, String initiatorName, long isid, String targetName,
    String remoteAddress, SessionParameters parameters) {}
