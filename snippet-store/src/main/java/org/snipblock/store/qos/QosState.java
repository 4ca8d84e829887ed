package org.snipblock.store.qos;

/**
 * A volume's throttle as {@code volume show} reports it.
 *
 * @param throttled true while requests wait, or one had to wait within the last second
 * @param waiting   requests waiting now
 * @param delayed   requests that had to wait since the throttle was made (the node started or became primary)
 */
public record QosState(QosLimits limits, boolean throttled, int waiting, long delayed) {}
