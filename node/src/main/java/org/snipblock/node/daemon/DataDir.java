package org.snipblock.node.daemon;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.snipblock.node.OperatorError;

/**
 * A node's data directory, held exclusively for as long as the node runs: two daemons on one
 * directory would corrupt each other's volumes. The lock is an OS file lock, so it is released
 * by the kernel when a process dies, even by kill -9.
 */
public final class DataDir implements AutoCloseable {
  private static final String LOCK_FILE = "node.lock";

  private final Path path;
  private final FileChannel lockChannel;
  private final FileLock lock;

  private DataDir(Path path, FileChannel lockChannel, FileLock lock) {
    this.path = path;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /**
   * Creates the directory if needed, proves it writable and locks it.
   *
   * @throws OperatorError when it cannot be created or written, or another node holds it
   */
  public static DataDir claim(Path dir) {
    Path path = dir.toAbsolutePath().normalize();
    try {
      Files.createDirectories(path);
    } catch (FileAlreadyExistsException e) {
      throw new OperatorError("data directory " + path + " exists but is not a directory");
    } catch (AccessDeniedException e) {
      throw new OperatorError("cannot create data directory " + path + ": permission denied");
    } catch (IOException e) {
      throw new OperatorError("cannot create data directory " + path + ": " + e.getMessage());
    }
    if (!Files.isDirectory(path)) {
      throw new OperatorError("data directory " + path + " is not a directory");
    }
    FileChannel channel;
    try {
      channel = FileChannel.open(path.resolve(LOCK_FILE),
          StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new OperatorError("data directory " + path + " is not writable: " + reason(e));
    }
    try {
      FileLock lock = channel.tryLock();
      if (lock == null) {
        throw new OperatorError("data directory " + path + " is in use by another snipblock node");
      }
      return new DataDir(path, channel, lock);
    } catch (OverlappingFileLockException e) {
      closeQuietly(channel);
      throw new OperatorError("data directory " + path + " is in use by another node in this process");
    } catch (IOException e) {
      closeQuietly(channel);
      throw new OperatorError("cannot lock data directory " + path + ": " + reason(e));
    } catch (OperatorError e) {
      closeQuietly(channel);
      throw e;
    }
  }

  public Path path() {
    return path;
  }

  /** Bytes free on the file system holding the directory, or -1 if the OS will not say. */
  public long freeBytes() {
    try {
      return Files.getFileStore(path).getUsableSpace();
    } catch (IOException e) {
      return -1;
    }
  }

  @Override
  public void close() {
    try {
      lock.release();
    } catch (IOException ignored) {
      // The channel close below releases it as well.
    }
    closeQuietly(lockChannel);
  }

  private static String reason(IOException e) {
    return e instanceof AccessDeniedException ? "permission denied" : String.valueOf(e.getMessage());
  }

  private static void closeQuietly(FileChannel c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // Nothing left to release.
    }
  }
}
