package org.snipblock.adapter.placement;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.snipblock.adapter.model.TemplateRecord;
import org.snipblock.node.OperatorError;
import org.snipblock.node.config.ByteSize;

/**
 * Seed 003's template heuristic: for a system disk asked by OS rather than by name, the template of
 * that OS whose minimum disk fits the asked size and comes closest to it (the fullest image that
 * still fits); ties go to the name, so the choice is the same on every run.
 */
public final class TemplateMatch {
  private TemplateMatch() {}

  public static TemplateRecord best(List<TemplateRecord> library, String os, long diskBytes) {
    List<TemplateRecord> ofOs = library.stream().filter(t -> t.os() != null && t.os().equalsIgnoreCase(os)).toList();
    if (ofOs.isEmpty()) {
      String known = library.stream().map(TemplateRecord::os).filter(o -> o != null).map(o -> o.toLowerCase(Locale.ROOT)).distinct().sorted()
          .collect(Collectors.joining(", "));
      throw new OperatorError("no template for os " + os
          + (known.isEmpty() ? " (the library is empty)" : " (the library has: " + known + ")"));
    }
    return ofOs.stream().filter(t -> t.minDiskBytes() <= diskBytes)
        .max(Comparator.comparingLong(TemplateRecord::minDiskBytes)
            .thenComparing(TemplateRecord::name, Comparator.reverseOrder()))
        .orElseThrow(() -> {
          TemplateRecord smallest = ofOs.stream().min(Comparator.comparingLong(TemplateRecord::minDiskBytes)).orElseThrow();
          return new OperatorError("no " + os + " template fits a " + ByteSize.format(diskBytes) + " disk: the smallest, "
              + smallest.name() + ", needs " + ByteSize.format(smallest.minDiskBytes()));
        });
  }
}
