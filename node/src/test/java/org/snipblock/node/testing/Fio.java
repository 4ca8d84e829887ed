package org.snipblock.node.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** fio through an NBD door (its nbd engine, libnbd), 4 KiB requests for a fixed time, measured from its JSON report. */
public final class Fio {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final Path report;
  private final String rw;
  private final int seconds;

  private Fio(Process process, Path report, String rw, int seconds) {
    this.process = process;
    this.report = report;
    this.rw = rw;
    this.seconds = seconds;
  }

  /** Starts fio ({@code rw}: randread or randwrite) at {@code depth} for {@code seconds}; its report goes to {@code report}. */
  public static Fio start(String nbdUrl, String rw, int depth, int seconds, Path report) throws IOException {
    List<String> cmd = List.of("timeout", String.valueOf(seconds + 50), "fio", "--name=qos", "--ioengine=nbd",
        "--uri=" + nbdUrl, "--rw=" + rw, "--bs=4k", "--iodepth=" + depth, "--size=64M", "--time_based",
        "--runtime=" + seconds, "--output-format=json", "--output=" + report);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    return new Fio(p, report, rw, seconds);
  }

  /**
   * fio job {@code name} in the background through an NBD door with the job {@code options} (--rw,
   * --bs, --rate, a verification...), its output in {@code log}; the caller waits for it ({@link Tools#waitFor}).
   */
  public static Process background(String name, String nbdUrl, Path log, String... options) throws IOException {
    List<String> cmd = new java.util.ArrayList<>(List.of("fio", "--name=" + name, "--ioengine=nbd", "--uri=" + nbdUrl));
    cmd.addAll(List.of(options));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  /** A steady random-write load, bounded in time (8 s) and in bytes (the rate times that). */
  public static Process steadyWrites(String nbdUrl, Path log) throws IOException {
    return background("load", nbdUrl, log, "--rw=randwrite", "--bs=64k", "--iodepth=4", "--size=32M",
        "--time_based", "--runtime=8", "--rate=8m");
  }

  /** Runs fio to its end and returns its IOPS. */
  public static double iops(String nbdUrl, String rw, int depth, int seconds, Path report) throws IOException {
    return start(nbdUrl, rw, depth, seconds, report).iops();
  }

  /** Waits for fio's end (it must succeed: no failed request) and returns the IOPS it measured. */
  public double iops() throws IOException {
    try {
      assertThat(process.waitFor(seconds + 60L, TimeUnit.SECONDS)).as("fio ended").isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    assertThat(process.exitValue()).as("fio exit status; report:%n%s",
        Files.exists(report) ? Files.readString(report) : "(none)").isZero();
    JsonNode job = JSON.readTree(Files.readString(report)).at("/jobs/0");
    return job.at(rw.contains("write") ? "/write/iops" : "/read/iops").asDouble();
  }
}
