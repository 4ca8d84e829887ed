package org.snipblock.store.journal;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Journal segments as plain files {@code <16 hex digits>.log} in one directory. */
public final class FileJournalIo implements JournalIo {
  private static final String SUFFIX = ".log";
  private final Path dir;

  public FileJournalIo(Path dir) throws IOException {
    this.dir = Files.createDirectories(dir);
  }

  public Path dir() {
    return dir;
  }

  public Path pathOf(long firstSeq) {
    return dir.resolve(String.format("%016x%s", firstSeq, SUFFIX));
  }

  @Override
  public List<Long> segments() throws IOException {
    List<Long> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        String n = p.getFileName().toString();
        if (n.endsWith(SUFFIX) && n.length() == 16 + SUFFIX.length()) {
          try {
            out.add(Long.parseUnsignedLong(n.substring(0, 16), 16));
          } catch (NumberFormatException ignored) {
            // not one of ours
          }
        }
      }
    }
    out.sort(null);
    return out;
  }

  @Override
  public SegmentWriter create(long firstSeq) throws IOException {
    FileChannel ch = FileChannel.open(pathOf(firstSeq),
        StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    syncDir();
    return new FileSegmentWriter(ch);
  }

  @Override
  public InputStream read(long firstSeq) throws IOException {
    return new BufferedInputStream(Files.newInputStream(pathOf(firstSeq)), 1 << 20);
  }

  @Override
  public void delete(List<Long> firstSeqs) throws IOException {
    for (long s : firstSeqs) {
      Files.deleteIfExists(pathOf(s));
    }
    syncDir();
  }

  private void syncDir() throws IOException {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }

  private static final class FileSegmentWriter implements SegmentWriter {
    private final FileChannel ch;
    private long size;

    FileSegmentWriter(FileChannel ch) {
      this.ch = ch;
    }

    @Override
    public void append(ByteBuffer data) throws IOException {
      while (data.hasRemaining()) {
        size += ch.write(data, size);
      }
    }

    @Override
    public void sync() throws IOException {
      ch.force(false);
    }

    @Override
    public long size() {
      return size;
    }

    @Override
    public void truncate(long newSize) throws IOException {
      ch.truncate(newSize);
      size = newSize;
    }

    @Override
    public void close() throws IOException {
      ch.close();
    }
  }
}
