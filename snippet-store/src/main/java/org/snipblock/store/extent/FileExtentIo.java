package org.snipblock.store.extent;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Extent files as plain sparse files in one directory; holes are punched with fallocate(2). */
public final class FileExtentIo implements ExtentIo {
  private static final Logger log = LoggerFactory.getLogger(FileExtentIo.class);
  private final Path dir;

  public FileExtentIo(Path dir) throws IOException {
    this.dir = Files.createDirectories(dir);
  }

  public Path pathOf(String name) {
    return dir.resolve(name);
  }

  @Override
  public List<String> list() throws IOException {
    List<String> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      files.forEach(p -> out.add(p.getFileName().toString()));
    }
    return out;
  }

  @Override
  public Channel open(String name) throws IOException {
    Path p = pathOf(name);
    boolean existed = Files.exists(p);
    FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
    if (!existed) {
      syncDir();
    }
    return new FileChannelExtent(p, ch);
  }

  @Override
  public void delete(String name) throws IOException {
    if (Files.deleteIfExists(pathOf(name))) {
      syncDir();
    }
  }

  private void syncDir() throws IOException {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }

  /** fallocate(2), which the JDK does not offer. */
  private interface CLib extends Library {
    int open(String path, int flags);

    int fallocate(int fd, int mode, long offset, long length);

    int close(int fd);
  }

  private static final int O_WRONLY = 1;
  private static final int FALLOC_FL_KEEP_SIZE = 1;
  private static final int FALLOC_FL_PUNCH_HOLE = 2;
  private static volatile CLib libc;
  private static volatile boolean punchUnsupported;

  private static CLib libc() {
    CLib c = libc;
    if (c == null) {
      c = Native.load("c", CLib.class);
      libc = c;
    }
    return c;
  }

  private static final class FileChannelExtent implements Channel {
    private final Path path;
    private final FileChannel ch;
    /** Descriptor for fallocate(2), opened on the first punch; -1 until then. */
    private int punchFd = -1;

    FileChannelExtent(Path path, FileChannel ch) {
      this.path = path;
      this.ch = ch;
    }

    @Override
    public void write(ByteBuffer src, long position) throws IOException {
      long at = position;
      while (src.hasRemaining()) {
        at += ch.write(src, at);
      }
    }

    @Override
    public void read(ByteBuffer dst, long position) throws IOException {
      long at = position;
      while (dst.hasRemaining()) {
        int n = ch.read(dst, at);
        if (n < 0) {
          while (dst.hasRemaining()) {
            dst.put((byte) 0);
          }
          return;
        }
        at += n;
      }
    }

    @Override
    public void sync() throws IOException {
      ch.force(false);
    }

    /**
     * Punching is an optimisation (freed slots are reused either way), so a file system without
     * it only costs space: logged once, never an error.
     */
    @Override
    public synchronized void punch(long position, long length) throws IOException {
      if (punchUnsupported || length <= 0) {
        return;
      }
      try {
        CLib c = libc();
        if (punchFd < 0) {
          // Opened once and kept: the JDK's channel does not expose its descriptor.
          punchFd = c.open(path.toString(), O_WRONLY);
          if (punchFd < 0) {
            throw new IOException("cannot open " + path + " to punch a hole (errno " + Native.getLastError() + ")");
          }
        }
        if (c.fallocate(punchFd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, position, length) != 0) {
          punchUnsupported = true;
          log.warn("cannot punch holes in {} (errno {}); freed extent space is reused but not given back",
              path, Native.getLastError());
        }
      } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
        punchUnsupported = true;
        log.warn("fallocate is not available ({}); freed extent space is reused but not given back", e.toString());
      }
    }

    @Override
    public void truncate(long size) throws IOException {
      ch.truncate(size);
    }

    @Override
    public long size() throws IOException {
      return ch.size();
    }

    @Override
    public synchronized void close() throws IOException {
      if (punchFd >= 0) {
        libc().close(punchFd);
        punchFd = -1;
      }
      ch.close();
    }
  }
}
