package org.snipblock.cluster.meta;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.LongStream;
import org.snipblock.cluster.proto.SnippetPlacement;
import org.snipblock.cluster.proto.VolumeRecord;

/**
 * Where a volume's snippets are: its record lists a few placement stripes (at most {@link #MAX}),
 * and snippet {@code i} lives where stripe {@code i % stripes} says. The record's size then does not
 * grow with the volume's (a 1 TiB volume has as short a record as a 1 GiB one, so creating or
 * cloning it costs the same), while a volume's snippets still fan out over up to {@link #MAX}
 * different sets of nodes. Every command that names a snippet of the placement (stale marks, mode
 * overrides, copy moves) names a stripe; the data it covers is every snippet of that stripe.
 *
 * <p>Records written before stripes existed listed one entry per snippet: that is the same rule
 * with as many stripes as snippets, so they are read unchanged.
 */
public final class Stripes {
  /** Stripes a new volume gets at most (fewer when it has fewer snippets). */
  public static final int MAX = 32;

  private Stripes() {}

  /** The stripes a new volume of {@code snippets} snippets gets. */
  public static int forSnippets(long snippets) {
    return (int) Math.max(1, Math.min(snippets, MAX));
  }

  /** Snippets in the volume (the last may be partial). */
  public static long snippets(VolumeRecord v) {
    return v.getSnippetSize() <= 0 ? 0 : (v.getSize() + v.getSnippetSize() - 1) / v.getSnippetSize();
  }

  /** The stripe that places snippet {@code snippet}. */
  public static int of(VolumeRecord v, long snippet) {
    if (snippet < 0) {
      throw new IllegalArgumentException("snippet " + snippet);
    }
    return (int) (snippet % v.getSnippetsCount());
  }

  /** Where snippet {@code snippet} is: its stripe's placement. */
  public static SnippetPlacement at(VolumeRecord v, long snippet) {
    return v.getSnippets(of(v, snippet));
  }

  /** The snippets stripe {@code stripe} places, in order. */
  public static LongStream snippetsOf(VolumeRecord v, int stripe) {
    long all = snippets(v);
    int n = v.getSnippetsCount();
    return stripe >= all ? LongStream.empty() : LongStream.iterate(stripe, i -> i < all, i -> i + n);
  }

  /** How many snippets stripe {@code stripe} places. */
  public static long snippetCount(VolumeRecord v, int stripe) {
    long all = snippets(v);
    int n = v.getSnippetsCount();
    return stripe >= all ? 0 : (all - stripe + n - 1) / n;
  }

  /** The space one copy of stripe {@code stripe} takes when fully written. */
  public static long bytesOf(VolumeRecord v, int stripe) {
    return snippetsOf(v, stripe).map(i -> Math.min(v.getSnippetSize(), v.getSize() - i * v.getSnippetSize())).sum();
  }

  /** The snippets of every stripe whose placement matches, in order. */
  public static List<Long> snippetsWhere(VolumeRecord v, Predicate<SnippetPlacement> which) {
    List<Long> out = new ArrayList<>();
    long all = snippets(v);
    int n = v.getSnippetsCount();
    boolean[] match = new boolean[n];
    for (int s = 0; s < n; s++) {
      match[s] = which.test(v.getSnippets(s));
    }
    for (long i = 0; i < all; i++) {
      if (match[(int) (i % n)]) {
        out.add(i);
      }
    }
    return out;
  }

  /** The stripes of the given snippets, each once, in order. */
  public static List<Long> stripesOf(VolumeRecord v, List<? extends Number> snippets) {
    return snippets.stream().map(i -> (long) of(v, i.longValue())).distinct().sorted().toList();
  }
}
