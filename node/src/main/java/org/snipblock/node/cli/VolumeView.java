package org.snipblock.node.cli;

import java.time.Instant;
import org.snipblock.node.admin.v1.Volume;

/** A volume as the CLI prints it, in text or JSON. */
record VolumeView(
    String name,
    long id,
    long provisionedBytes,
    long usedBytes,
    long storedBytes,
    int blockSize,
    int snippetSize,
    boolean compression,
    long snippets,
    long checksumErrors,
    String created,
    Io io) {

  record Io(long reads, long writes, long readBytes, long writtenBytes, long flushes, long errors) {}

  static VolumeView of(Volume v) {
    return new VolumeView(v.getName(), v.getId(), v.getProvisionedBytes(), v.getUsedBytes(),
        v.getStoredBytes(), v.getBlockSize(), v.getSnippetSize(), v.getCompression(), v.getSnippets(),
        v.getChecksumErrors(),
        v.getCreatedEpochMillis() == 0 ? null : Instant.ofEpochMilli(v.getCreatedEpochMillis()).toString(),
        new Io(v.getIo().getReads(), v.getIo().getWrites(), v.getIo().getReadBytes(),
            v.getIo().getWrittenBytes(), v.getIo().getFlushes(), v.getIo().getErrors()));
  }
}
