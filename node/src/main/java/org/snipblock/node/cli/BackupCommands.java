package org.snipblock.node.cli;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Iterator;
import org.snipblock.node.OperatorError;
import org.snipblock.node.admin.v1.ExportChunk;
import org.snipblock.node.admin.v1.ImportVolumeResponse;
import org.snipblock.node.backup.StreamFormatException;
import org.snipblock.node.backup.StreamReader;
import org.snipblock.node.cli.SnapshotCommands.SnapshotRef;
import org.snipblock.node.config.ByteSize;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.TypeConversionException;

/** {@code volume export} and {@code volume import}: backup streams between a node and a file. */
final class BackupCommands {
  private BackupCommands() {}

  record Exported(String volume, String snapshot, String since, String file, long streamBytes) {}

  @Command(name = "export", mixinStandardHelpOptions = true,
      description = "Write a snapshot to FILE as a backup stream: all of it, or with --since only what changed "
          + "after an older snapshot. Given a volume NAME alone, the node takes a temporary snapshot of it, "
          + "exports that (a consistent point in time) and deletes it. Ctrl-C aborts the export (FILE is "
          + "written only once complete; a FILE.part may be left).")
  static final class Export extends VolumeCommand.Subcommand {
    @Parameters(index = "0", paramLabel = "NAME[@SNAPSHOT]") String sourceText;

    @Parameters(index = "1", paramLabel = "FILE") Path file;

    @Option(names = "--since", paramLabel = "SNAPSHOT",
        description = "An older snapshot of the same volume: write an incremental stream from it.")
    String since;

    @Override
    public Integer call() {
      SnapshotRef source;
      if (sourceText.indexOf('@') < 0) {
        if (sourceText.isEmpty()) {
          throw new ParameterException(spec.commandLine(), "name the volume to export: NAME or NAME@SNAPSHOT");
        }
        source = new SnapshotRef(sourceText, ""); // the live volume: the node snapshots it for the stream
      } else {
        try {
          source = new SnapshotCommands.SnapshotRefConverter().convert(sourceText);
        } catch (TypeConversionException e) {
          throw new ParameterException(spec.commandLine(), e.getMessage());
        }
      }
      String shown = source.snapshot().isEmpty() ? source.volume() : source.volume() + "@" + source.snapshot();
      Output out = output();
      Path part = file.resolveSibling(file.getFileName() + ".part");
      Progress progress = new Progress(spec.commandLine().getErr(), "export " + shown, out.isJson());
      long bytes;
      try {
        bytes = admin.call(c -> receive(c.export(source.volume(), source.snapshot(), since), part, progress));
        Files.move(part, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException | UncheckedIOException e) {
        throw new OperatorError("cannot write " + file + ": " + message(e));
      } finally {
        progress.finish();
        deleteQuietly(part);
      }
      if (out.isJson()) {
        out.json(new Exported(source.volume(), source.snapshot(), since, file.toString(), bytes));
      } else {
        out.println("exported " + shown + (source.snapshot().isEmpty() ? " (live, through a temporary snapshot)" : "")
            + (since == null ? " (full)" : " (changes since " + since + ")") + " to " + file + ": "
            + ByteSize.format(bytes));
      }
      return 0;
    }

    private static long receive(Iterator<ExportChunk> chunks, Path part, Progress progress) {
      long bytes = 0;
      try (OutputStream os = Files.newOutputStream(part)) {
        while (chunks.hasNext()) {
          ExportChunk c = chunks.next();
          c.getData().writeTo(os);
          bytes += c.getData().size();
          progress.update(c.getCoveredBytes(), c.getTotalBytes(), bytes);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return bytes;
    }
  }

  record Imported(String volume, String snapshot, boolean incremental, long extents, long dataBytes) {}

  @Command(name = "import", mixinStandardHelpOptions = true,
      description = "Restore a backup stream from FILE into volume NAME and snapshot it under the exported "
          + "snapshot's name. A full stream creates NAME (or fills an unwritten volume of the same size); an "
          + "incremental one is applied only onto the snapshot it was made from, unchanged since. The file is "
          + "checked whole before anything is sent. Ctrl-C aborts the import: the node undoes it (a volume it "
          + "created is deleted, an incremental one rolled back).")
  static final class Import extends VolumeCommand.Subcommand {
    @Parameters(index = "0", paramLabel = "NAME") String name;
    @Parameters(index = "1", paramLabel = "FILE") Path file;

    @Override
    public Integer call() {
      Output out = output();
      long size = verify();
      Progress progress = new Progress(spec.commandLine().getErr(), "import " + name, out.isJson());
      ImportVolumeResponse r;
      try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 20)) {
        r = admin.call(c -> {
          try {
            return c.importVolume(name, in, sent -> progress.update(sent, size, sent));
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
      } catch (IOException | UncheckedIOException e) {
        throw new OperatorError("cannot read " + file + ": " + message(e));
      } finally {
        progress.finish();
      }
      Imported view = new Imported(r.getVolume(), r.getSnapshot(), r.getIncremental(), r.getExtents(),
          r.getDataBytes());
      if (out.isJson()) {
        out.json(view);
      } else {
        out.println("imported " + file + " into " + view.volume() + " as snapshot " + view.snapshot()
            + (view.incremental() ? " (incremental)" : " (full)") + ": " + view.extents() + " extents, "
            + ByteSize.format(view.dataBytes()) + " of data");
      }
      return 0;
    }

    /** Reads the whole file through the stream checks, so a damaged file changes nothing; its size. */
    private long verify() {
      try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 20)) {
        StreamReader reader = new StreamReader(in);
        while (reader.next() != null) {
          // Only the checks matter here.
        }
        return reader.position();
      } catch (StreamFormatException e) {
        throw new OperatorError(file + " is not a sound backup stream: " + e.getMessage() + "; nothing was imported");
      } catch (NoSuchFileException e) {
        throw new OperatorError("no such file: " + file);
      } catch (IOException e) {
        throw new OperatorError("cannot read " + file + ": " + e.getMessage());
      }
    }
  }

  private static String message(Exception e) {
    Throwable t = e instanceof UncheckedIOException u ? u.getCause() : e;
    return t instanceof NoSuchFileException ? "no such file or directory" : String.valueOf(t.getMessage());
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // A leftover .part file is harmless and says what it is.
    }
  }
}
