package org.snipblock.iscsi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libiscsi's conformance suite, {@code iscsi-test-cu -d -t ALL} with two initiator names (so the
 * reservation and multi-initiator tests run) and a second path to the same LU (so the multipath
 * tests run), against a scratch RAM disk. The full output goes to
 * target/iscsi-test-cu.log; every test must pass except the justified exclusions below.
 */
class IscsiConformanceIT {
  private static final Logger log = LoggerFactory.getLogger(IscsiConformanceIT.class);
  private static final Pattern SUMMARY =
      Pattern.compile("tests\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)");
  private static final Pattern SKIPPED = Pattern.compile("\\[SKIPPED\\]");
  private static final Pattern LINE =
      Pattern.compile("(?m)^Suite: (\\S+)\\s*$|^  Test: (\\S+) \\.\\.\\.(.*)$|^.*$");

  /** Tests allowed to fail, each with its reason. Empty: everything must pass. */
  private static final Map<String, String> EXCLUDED = Map.of();

  @Test
  void libiscsiSuitePasses() throws Exception {
    ExternalTool.require("iscsi-test-cu");
    MapCatalog catalog = new MapCatalog().add("scratch", 64L << 20)
        .addReadOnly("readonly", 8L << 20);
    String output;
    String readOnlyOutput;
    try (IscsiTarget target = new IscsiTarget(IscsiTargetConfig.defaults(), catalog)) {
      int port = target.start();
      String base = "iscsi://127.0.0.1:" + port + "/" + IscsiTargetConfig.DEFAULT_PREFIX;
      // The same LU given twice is a second path (own session): the MultipathIO suite runs.
      output = suite("ALL", base + "scratch/0", base + "scratch/0");
      // The write-protection suite needs a write-protected LU of its own.
      readOnlyOutput = suite("ALL.ReadOnly", base + "readonly/0");
    }
    Files.writeString(Path.of("target", "iscsi-test-cu.log"),
        output + "\n\n==== ALL.ReadOnly against a read-only LU ====\n" + readOnlyOutput,
        StandardCharsets.UTF_8);
    Map<String, Boolean> results = parse(output);
    List<String> failed = new ArrayList<>();
    results.forEach((name, passed) -> {
      if (!passed) {
        failed.add(name);
      }
    });
    long passed = results.values().stream().filter(b -> b).count();
    log.info("iscsi-test-cu: {} tests, {} passed, {} failed: {}", results.size(), passed,
        failed.size(), failed);
    Matcher summary = SUMMARY.matcher(output);
    assertThat(summary.find()).as("CUnit run summary in target/iscsi-test-cu.log").isTrue();
    log.info("CUnit summary: {} tests, {} ran, {} passed, {} failed; {} passed only by skipping",
        summary.group(1), summary.group(2), summary.group(3), summary.group(4),
        SKIPPED.matcher(output).results().count());
    assertThat(results).as("parsed test results").hasSize(Integer.parseInt(summary.group(2)));
    assertThat(failed).hasSize(Integer.parseInt(summary.group(4)));
    assertThat(failed).as("failing conformance tests (see target/iscsi-test-cu.log)")
        .isSubsetOf(Set.copyOf(EXCLUDED.keySet()));
    assertThat(parse(readOnlyOutput)).as("ReadOnly suite against the read-only LU")
        .containsEntry("ReadOnly.ReadOnlySBC", true);
    assertThat(readOnlyOutput).as("ReadOnly suite ran rather than skipped")
        .doesNotContain("[SKIPPED]");
  }

  private static String suite(String tests, String... urls) throws Exception {
    List<String> command = new ArrayList<>(List.of("iscsi-test-cu", "-d", "-t", tests,
        "-i", "iqn.2026-11.org.snipblock.test:initiator-1",
        "-I", "iqn.2026-11.org.snipblock.test:initiator-2"));
    command.addAll(List.of(urls));
    return ExternalTool.run(Duration.ofMinutes(20), Map.of(), command).output();
  }

  /**
   * "Suite.Test" to passed, from CUnit's basic-mode output: "Suite: S", then "Test: T ..."
   * followed (after the test's own logging) by "passed" or "FAILED".
   */
  static Map<String, Boolean> parse(String output) {
    Map<String, Boolean> results = new LinkedHashMap<>();
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

  private static void finish(Map<String, Boolean> results, String suite, String test,
      CharSequence body) {
    if (test != null) {
      // The test's own log lines carry "[FAILED]"/"[SKIPPED]" tags; CUnit's verdict is the
      // first bare "passed" or "FAILED" after them (teardown may log more afterwards).
      String text = body.toString().replace("[FAILED]", "").replace("[SKIPPED]", "");
      int passed = text.indexOf("passed");
      int failed = text.indexOf("FAILED");
      results.put(suite + "." + test, passed >= 0 && (failed < 0 || passed < failed));
    }
  }
}
