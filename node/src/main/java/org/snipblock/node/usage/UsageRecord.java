package org.snipblock.node.usage;

/**
 * What one volume used in one hour on one node: space held in byte-seconds (exported as
 * byte-hours) and client I/O. Integral byte-seconds keep sums exact; one hour of 1 PiB still fits.
 *
 * @param hour the hour's start, epoch seconds (UTC)
 * @param id   the volume's id (a re-created namesake is another volume)
 */
public record UsageRecord(long hour, String volume, long id, String tenant, long provisionedByteSeconds,
    long usedByteSeconds, long reads, long writes, long readBytes, long writtenBytes) {

  static UsageRecord empty(long hour, String volume, long id, String tenant) {
    return new UsageRecord(hour, volume, id, tenant, 0, 0, 0, 0, 0, 0);
  }

  UsageRecord plusSpace(long provisionedBytes, long usedBytes, long seconds) {
    return new UsageRecord(hour, volume, id, tenant, provisionedByteSeconds + provisionedBytes * seconds,
        usedByteSeconds + usedBytes * seconds, reads, writes, readBytes, writtenBytes);
  }

  UsageRecord plusIo(long r, long w, long rb, long wb) {
    return new UsageRecord(hour, volume, id, tenant, provisionedByteSeconds, usedByteSeconds, reads + r, writes + w,
        readBytes + rb, writtenBytes + wb);
  }

  boolean valid() {
    return hour >= 0 && hour % 3600 == 0 && volume != null && !volume.isEmpty() && tenant != null
        && provisionedByteSeconds >= 0 && usedByteSeconds >= 0 && reads >= 0 && writes >= 0 && readBytes >= 0
        && writtenBytes >= 0;
  }

  public long provisionedByteHours() {
    return provisionedByteSeconds / 3600;
  }

  public long usedByteHours() {
    return usedByteSeconds / 3600;
  }
}
