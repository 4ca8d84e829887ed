package org.snipblock.cluster.replica;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * When each step of a planned handover ended, counted from holding new writes: the pause is only
 * cut where the steps show where it goes (waits, not work), so the handover reports them.
 */
public final class HandoverTimeline {
  /** One step and the milliseconds from holding the writes to its end. */
  public record Step(String name, double millis) {}

  private final long start = System.nanoTime();
  private final List<Step> steps = new ArrayList<>();

  /** The step {@code name} ended now. */
  public synchronized void mark(String name) {
    steps.add(new Step(name, (System.nanoTime() - start) / 1e6));
  }

  /** The steps in the order they ended. */
  public synchronized List<Step> steps() {
    return List.copyOf(steps);
  }

  /** The step names in the order they ended. */
  public synchronized List<String> names() {
    return steps.stream().map(Step::name).toList();
  }

  @Override
  public synchronized String toString() {
    List<String> out = new ArrayList<>();
    for (Step s : steps) {
      out.add(String.format(Locale.ROOT, "%s +%.1f", s.name(), s.millis()));
    }
    return String.join(", ", out) + " ms";
  }
}
