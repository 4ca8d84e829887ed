package org.snipblock.iscsi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libiscsi's conformance suite, run and judged: {@code iscsi-test-cu -d -t ALL} with two initiator
 * names (so the reservation and multi-initiator tests run) over two paths to the main LU (so the
 * multipath tests run), then the passes that need LUs of their own: the Sanitize suite ({@code -S})
 * against a small LU (each OVERWRITE covers the whole LU), the ReadOnly suite against a
 * write-protected LU, and the tests that need a physical block larger than the logical one
 * against a LU claiming 4 KiB physical blocks. Every test must run and pass, except the justified
 * skips: the target's own ({@link #JUSTIFIED_SKIPS}, a test that skipped a CRYPTO ERASE step) and
 * those a caller adds for an extra pass it cannot offer ({@link #justify}). Shared by the in-process
 * {@code IscsiConformanceIT} and the node's multipath process test (the paths on two daemons), so
 * both judge the suite alike; published in this module's test-jar.
 */
public final class LibiscsiConformance {
  private static final Logger log = LoggerFactory.getLogger(LibiscsiConformance.class);
  private static final Pattern SUMMARY = Pattern.compile("tests\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)");
  private static final Pattern LINE =
      Pattern.compile("(?m)^Suite: (\\S+)\\s*$|^  Test: (\\S+) \\.\\.\\.(.*)$|^.*$");

  public static final String INITIATOR_1 = "iqn.2026-11.org.snipblock.test:initiator-1";
  public static final String INITIATOR_2 = "iqn.2026-11.org.snipblock.test:initiator-2";

  private static final String NOT_REMOVABLE = "a VM disk is a fixed disk (RMB=0): there is no "
      + "medium to lock, load or eject, so the suite skips its removable-medium checks";
  private static final String NO_CRYPTO_ERASE = "SANITIZE CRYPTOGRAPHIC ERASE is not offered: "
      + "volumes are not encrypted under a per-volume key that could be discarded";

  /** Suites or tests (prefix match) that may pass only by skipping, each with its reason. */
  public static final Map<String, String> JUSTIFIED_SKIPS = Map.of(
      "PreventAllow.", NOT_REMOVABLE,
      "StartStopUnit.", NOT_REMOVABLE,
      "NoMedia.", NOT_REMOVABLE);

  /** Tests that need LOGICAL BLOCKS PER PHYSICAL BLOCK >= 2; they skip on a 512/512 LU. */
  public static final List<String> PHYSICAL_4K_TESTS = List.of("CompareAndWrite.InvalidDataOutSize",
      "WriteSame10.InvalidDataOutSize", "WriteSame16.InvalidDataOutSize",
      "WriteSame10.UnmapUnaligned", "WriteSame16.UnmapUnaligned");

  /** The Sanitize tests that must run (not skip) in the Sanitize pass. */
  public static final List<String> SANITIZE_TESTS = List.of("Sanitize.Overwrite", "Sanitize.BlockErase",
      "Sanitize.Reset");

  /** One test's verdict; {@code skipped} holds its first "[SKIPPED]" line, or null if it ran. */
  public record Outcome(boolean passed, String skipped) {}

  /** Runs one iscsi-test-cu command line to its end (within a time limit) and answers its output. */
  @FunctionalInterface
  public interface Runner {
    String run(List<String> command) throws Exception;
  }

  /**
   * Where the passes run: two URLs of the main LU (its two paths: two sessions), and the LUs of
   * the extra passes, null for a pass the caller cannot offer (then it {@link #justify justifies}
   * the skips of the tests that pass needs).
   */
  public record Luns(String path1, String path2, String sanitize, String readOnly, String physical4k) {}

  /** What a run found: every test of the main pass, and those of the extra passes. */
  public record Results(Map<String, Outcome> main, Map<String, Outcome> others) {}

  private final Runner runner;
  private final Path logFile;
  private final Map<String, String> justified = new LinkedHashMap<>(JUSTIFIED_SKIPS);
  /** Sanitize tests the Sanitize pass leaves out (their skip in the main pass justified). */
  private final List<String> sanitizeLeftOut = new ArrayList<>();

  /** @param logFile where every pass's full output goes */
  public LibiscsiConformance(Runner runner, Path logFile) {
    this.runner = runner;
    this.logFile = logFile;
  }

  /** A further test (or suite, by prefix) allowed to pass only by skipping, for this reason. */
  public LibiscsiConformance justify(String testOrPrefix, String why) {
    justified.put(testOrPrefix, why);
    return this;
  }

  /**
   * Leaves a Sanitize test out of the Sanitize pass, for this reason (it then counts as a justified
   * skip): the pass runs the other Sanitize tests one at a time.
   */
  public LibiscsiConformance withoutSanitizeTest(String test, String why) {
    sanitizeLeftOut.add(test);
    return justify(test, why);
  }

  /** Runs every pass the LUs allow and asserts the verdict (see the class comment). */
  public Results run(Luns luns) throws Exception {
    StringBuilder fullLog = new StringBuilder();
    Map<String, Outcome> main;
    Map<String, Outcome> others = new LinkedHashMap<>();
    try {
      main = pass(fullLog, "ALL", false, luns.path1(), luns.path2());
      if (luns.sanitize() != null && sanitizeLeftOut.isEmpty()) {
        others.putAll(pass(fullLog, "ALL.Sanitize", true, luns.sanitize()));
      } else if (luns.sanitize() != null) {
        for (String test : sanitizeTests()) {
          if (!sanitizeLeftOut.contains(test)) {
            others.putAll(pass(fullLog, "ALL." + test, true, luns.sanitize()));
          }
        }
      }
      if (luns.readOnly() != null) {
        others.putAll(pass(fullLog, "ALL.ReadOnly", false, luns.readOnly()));
      }
      if (luns.physical4k() != null) {
        for (String test : PHYSICAL_4K_TESTS) { // -t takes one pattern per run: one run per test
          others.putAll(pass(fullLog, "ALL." + test, false, luns.physical4k()));
        }
      }
    } finally {
      Files.createDirectories(logFile.toAbsolutePath().getParent());
      Files.writeString(logFile, fullLog, StandardCharsets.UTF_8);
    }
    judge(main, others, luns);
    return new Results(main, others);
  }

  private void judge(Map<String, Outcome> main, Map<String, Outcome> others, Luns luns) {
    List<String> failed = new ArrayList<>();
    Map<String, String> skipped = new TreeMap<>();
    List<String> unjustified = new ArrayList<>();
    main.forEach((name, outcome) -> {
      Outcome elsewhere = others.get(name);
      Outcome verdict = outcome.skipped() != null && elsewhere != null ? elsewhere : outcome;
      if (!verdict.passed()) {
        failed.add(name);
      } else if (verdict.skipped() != null) {
        skipped.put(name, verdict.skipped());
        if (justification(name, verdict.skipped()) == null) {
          unjustified.add(name + " (" + verdict.skipped() + ")");
        }
      }
    });
    others.forEach((name, outcome) -> {
      if (!outcome.passed() && !failed.contains(name)) {
        failed.add(name);
      }
    });
    log.info("iscsi-test-cu: {} tests ran, {} passed, {} skipped (justified: {}), {} failed {} (full output: {})",
        main.size(), main.size() - failed.size() - skipped.size(), skipped.size(),
        skipped.size() - unjustified.size(), failed.size(), failed, logFile);
    skipped.forEach((name, line) ->
        log.info("skipped (in part) {}: {} [{}]", name, justification(name, line), line));

    assertThat(main).as("parsed test results (%s)", logFile).hasSizeGreaterThan(200);
    assertThat(failed).as("failing conformance tests (see %s)", logFile).isEmpty();
    assertThat(unjustified).as("tests that only passed by skipping, without a justification").isEmpty();
    List<String> needOtherLus = new ArrayList<>();
    if (luns.physical4k() != null) {
      needOtherLus.addAll(PHYSICAL_4K_TESTS);
    }
    if (luns.readOnly() != null) {
      needOtherLus.add("ReadOnly.ReadOnlySBC");
    }
    if (luns.sanitize() != null) {
      SANITIZE_TESTS.stream().filter(t -> !sanitizeLeftOut.contains(t)).forEach(needOtherLus::add);
    }
    assertThat(others.keySet()).as("the extra passes ran their tests").containsAll(needOtherLus);
    needOtherLus.forEach(test -> assertThat(others.get(test).skipped())
        .as("%s ran rather than skipped", test).isNull());
  }

  private String justification(String test, String skipLine) {
    if (skipLine.contains("CRYPTO_ERASE")) {
      return NO_CRYPTO_ERASE; // Sanitize tests that try every kind, CRYPTO ERASE included
    }
    return justified.entrySet().stream().filter(e -> test.startsWith(e.getKey()))
        .map(Map.Entry::getValue).findFirst().orElse(null);
  }

  /** The installed suite's Sanitize tests ("Sanitize.Overwrite", ...), from its own list. */
  private List<String> sanitizeTests() throws Exception {
    List<String> tests = runner.run(List.of("iscsi-test-cu", "-l")).lines().map(String::strip)
        .filter(l -> l.startsWith("ALL.Sanitize.")).map(l -> l.substring("ALL.".length())).toList();
    assertThat(tests).as("the Sanitize tests iscsi-test-cu -l lists").isNotEmpty();
    return tests;
  }

  /** Runs one iscsi-test-cu pass, appends its output to the log, checks its CUnit summary. */
  private Map<String, Outcome> pass(StringBuilder fullLog, String tests, boolean sanitize, String... urls)
      throws Exception {
    List<String> command = new ArrayList<>(List.of("iscsi-test-cu", "-d", "-t", tests,
        "-i", INITIATOR_1, "-I", INITIATOR_2));
    if (sanitize) {
      command.add("-S");
    }
    command.addAll(List.of(urls));
    long start = System.nanoTime();
    String output = runner.run(command);
    log.info("iscsi-test-cu -t {} took {} s", tests, (System.nanoTime() - start) / 1_000_000_000L);
    fullLog.append("==== ").append(String.join(" ", command)).append(" ====\n").append(output).append("\n\n");
    Map<String, Outcome> results = parse(output);
    Matcher summary = SUMMARY.matcher(output);
    assertThat(summary.find()).as("CUnit run summary of %s in:%n%s", tests, output).isTrue();
    assertThat(results).as("parsed results of " + tests).hasSize(Integer.parseInt(summary.group(2)));
    assertThat(results.values().stream().filter(o -> !o.passed()).count())
        .as("failures of " + tests).isEqualTo(Long.parseLong(summary.group(4)));
    return results;
  }

  /**
   * "Suite.Test" to its outcome, from CUnit's basic-mode output: "Suite: S", then "Test: T ..."
   * followed (after the test's own logging) by "passed" or "FAILED". A test that logged
   * "[SKIPPED]" passed (partly) without exercising the target.
   */
  public static Map<String, Outcome> parse(String output) {
    Map<String, Outcome> results = new LinkedHashMap<>();
    Matcher m = LINE.matcher(output);
    String suite = "";
    String test = null;
    StringBuilder body = new StringBuilder();
    while (m.find()) {
      if (m.group(1) != null) {
        finish(results, suite, test, body);
        suite = m.group(1);
        test = null;
      } else if (m.group(2) != null) {
        finish(results, suite, test, body);
        test = m.group(2);
        body.setLength(0);
        body.append(m.group(3));
      } else if (test != null) {
        body.append('\n').append(m.group(0));
      }
    }
    finish(results, suite, test, body);
    return results;
  }

  private static void finish(Map<String, Outcome> results, String suite, String test, CharSequence body) {
    if (test != null) {
      // The test's own log lines carry "[FAILED]"/"[SKIPPED]" tags; CUnit's verdict is the
      // first bare "passed" or "FAILED" after them (teardown may log more afterwards).
      String text = body.toString().replace("[FAILED]", "").replace("[SKIPPED]", "");
      int passed = text.indexOf("passed");
      int failed = text.indexOf("FAILED");
      String skipped = body.toString().lines().filter(l -> l.contains("[SKIPPED]"))
          .map(String::strip).findFirst().orElse(null);
      results.put(suite + "." + test, new Outcome(passed >= 0 && (failed < 0 || passed < failed), skipped));
    }
  }
}
