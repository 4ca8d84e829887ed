package org.snipblock.node.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.snipblock.cluster.replica.AckWindow;

/**
 * The fault schedule's check that no two nodes acknowledged writes for one volume under
 * overlapping epochs, from the {@link AckWindow} lines of every node's log: per volume, node and
 * epoch, when the node admitted the first and the last change it acknowledged as primary (a node
 * restarted at the same epoch adds to its window). A violation is one epoch served by two nodes,
 * or an older epoch's window not ended before a newer one's begins (which is also how an epoch
 * going back shows), or a window line that does not read (the check must not go blind silently).
 */
public final class EpochWindows {
  private static final Pattern LINE = Pattern.compile(Pattern.quote(AckWindow.PREFIX)
      + " volume=(\\S+) uid=(\\d+) epoch=(\\d+) node=(\\S+) first=(\\d+) last=(\\d+) acks=(\\d+)( .*)?$");

  /** One node's window at one epoch of one volume; times in microseconds of the wall clock. */
  public record Window(String volume, long uid, long epoch, String node, long first, long last, long acks) {
    Window merge(Window w) {
      return new Window(volume, uid, epoch, node, Math.min(first, w.first), Math.max(last, w.last),
          Math.max(acks, w.acks));
    }
  }

  private final Map<String, Window> windows = new TreeMap<>();
  private final List<String> unreadable = new ArrayList<>();

  /** Reads every window line of each node's log {@code logs/ID.log}. */
  public static EpochWindows fromLogs(Path logs, List<String> nodeIds) {
    EpochWindows w = new EpochWindows();
    for (String id : nodeIds) {
      try (Stream<String> lines = Files.lines(logs.resolve(id + ".log"))) {
        lines.forEach(w::read);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the log of " + id, e);
      }
    }
    return w;
  }

  /** Takes in one log line; lines that are no window line are ignored. */
  public void read(String line) {
    int at = line.indexOf(AckWindow.PREFIX);
    if (at < 0) {
      return;
    }
    Matcher m = LINE.matcher(line.substring(at));
    if (!m.matches()) {
      unreadable.add(line);
      return;
    }
    try {
      Window w = new Window(m.group(1), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)), m.group(4),
          Long.parseLong(m.group(5)), Long.parseLong(m.group(6)), Long.parseLong(m.group(7)));
      if (w.first() > w.last()) {
        unreadable.add(line);
        return;
      }
      windows.merge(w.volume() + "/" + w.uid() + "/" + w.epoch() + "/" + w.node(), w, Window::merge);
    } catch (NumberFormatException e) {
      unreadable.add(line);
    }
  }

  /** The windows of the volume, by epoch and then node. */
  public List<Window> of(String volume) {
    return windows.values().stream().filter(w -> w.volume().equals(volume))
        .sorted(Comparator.comparingLong(Window::epoch).thenComparing(Window::node)).toList();
  }

  /** The violations found, at most {@code limit}. */
  public List<String> violations(int limit) {
    List<String> found = new ArrayList<>();
    unreadable.stream().limit(limit).forEach(l -> found.add("unreadable ack window line: " + l));
    List<Window> all = new ArrayList<>(windows.values());
    for (int i = 0; i < all.size() && found.size() < limit; i++) {
      for (int j = 0; j < all.size() && found.size() < limit; j++) {
        Window a = all.get(i);
        Window b = all.get(j);
        if (!a.volume().equals(b.volume()) || a.uid() != b.uid() || i == j) {
          continue;
        }
        if (a.epoch() == b.epoch() && a.node().compareTo(b.node()) < 0) {
          found.add("volume " + a.volume() + ": epoch " + a.epoch() + " served by both " + a.node() + " and "
              + b.node() + ": " + a + ", " + b);
        } else if (a.epoch() < b.epoch() && a.last() >= b.first()) {
          found.add("volume " + a.volume() + ": " + a.node() + " at epoch " + a.epoch()
              + " acknowledged a change admitted " + (a.last() - b.first()) + " us after " + b.node()
              + " at epoch " + b.epoch() + " began: " + a + ", " + b);
        }
      }
    }
    return found;
  }

  /** The windows of the volume for the log: epoch, node, length and acknowledgements of each. */
  public String describe(String volume) {
    return of(volume).stream().map(w -> "epoch " + w.epoch() + " " + w.node() + " " + (w.last() - w.first()) / 1000
        + " ms " + w.acks() + " acks").toList().toString();
  }
}
