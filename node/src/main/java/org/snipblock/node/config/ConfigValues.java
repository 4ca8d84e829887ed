package org.snipblock.node.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import org.snipblock.node.OperatorError;

/**
 * The checks the config file's section readers share: each turns a bad value into one operator
 * error naming where in the file it stands.
 */
final class ConfigValues {
  private ConfigValues() {}

  /** Runs a value's parser; its complaint becomes an operator error prefixed with {@code where}. */
  static <T> T value(String where, Supplier<T> parse) {
    try {
      return parse.get();
    } catch (IllegalArgumentException e) {
      throw new OperatorError(where + ": " + e.getMessage());
    }
  }

  /** An allow-list; an empty entry would be a typo, never a wish. */
  static List<String> entries(String key, List<String> list) {
    if (list == null) {
      return List.of();
    }
    for (String s : list) {
      if (s == null || s.isBlank()) {
        throw new IllegalArgumentException(key + " has an empty entry");
      }
    }
    return list;
  }

  /** A path in the file, taken relative to the file's directory. */
  static Path relativeTo(Path origin, String path) {
    Path base = origin.toAbsolutePath().getParent();
    return base == null ? Path.of(path) : base.resolve(path);
  }

  /** A file the node must read (a certificate or key), relative to the config file; null when not given. */
  static Path readable(Path origin, String where, String key, String path) {
    if (path == null) {
      return null;
    }
    Path file = relativeTo(origin, path);
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new OperatorError(where + ": " + key + " " + file + " is not a readable file");
    }
    return file;
  }
}
