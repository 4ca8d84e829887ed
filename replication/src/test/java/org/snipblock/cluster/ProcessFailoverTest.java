package org.snipblock.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.snipblock.block.FreePorts;
import org.snipblock.cluster.testing.NodeProcess;

/**
 * The first scenario with real processes: three nodes in three compartments, a volume
 * with three synchronous copies; kill -9 the primary, read the image back through another node,
 * keep writing, restart the killed node: it resyncs and all three copies agree.
 */
class ProcessFailoverTest {
  private static final int SIZE = 1 << 20;
  // Under target/ rather than a temp dir, so the node logs outlive a failed run.
  private final Path dir = Path.of("target", "process-failover", String.valueOf(System.nanoTime())).toAbsolutePath();
  private final List<Node> nodes = new ArrayList<>();
  private List<Integer> ports;

  /** A node process and its answer lines. */
  private static final class Node {
    final Process process;
    final Writer stdin;
    final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    Node(Process p, Path log) {
      this.process = p;
      this.stdin = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8);
      Thread reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
             Writer out = java.nio.file.Files.newBufferedWriter(log, StandardCharsets.UTF_8,
                 java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND)) {
          for (String l = r.readLine(); l != null; l = r.readLine()) {
            if (l.startsWith("@ ")) {
              lines.add(l.substring(2));
            } else {
              out.write(l + "\n");
              out.flush();
            }
          }
        } catch (IOException ignored) {
          // the process is gone; lines simply stop
        }
      });
      reader.setDaemon(true);
      reader.start();
    }

    /** Next answer line (the child's log lines go to its node.out). */
    String await(long seconds) throws InterruptedException {
      String l = lines.poll(seconds, TimeUnit.SECONDS);
      assertThat(l).as("answer from node process").isNotNull();
      return l;
    }

    String ask(String command, long seconds) throws Exception {
      stdin.write(command + "\n");
      stdin.flush();
      return await(seconds);
    }
  }

  @AfterEach
  void stop() {
    for (Node n : nodes) {
      if (n != null) {
        n.process.destroyForcibly();
      }
    }
  }

  private Node launch(int i) throws Exception {
    String join = ports.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    Path data = dir.resolve("n" + i);
    ProcessBuilder pb = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-Dlogback.configurationFile=" + Path.of("src/test/resources/logback-test.xml").toAbsolutePath(),
        "-cp", System.getProperty("java.class.path"), NodeProcess.class.getName(),
        "n" + i, "dc/fc" + i + "/r1/h" + i, String.valueOf(ports.get(i)), join, data.toString());
    data.toFile().mkdirs();
    pb.redirectError(data.resolve("node.log").toFile());
    Node n = new Node(pb.start(), data.resolve("node.out"));
    return n;
  }

  private static long crc(byte[] b) {
    CRC32C c = new CRC32C();
    c.update(b);
    return c.getValue();
  }

  @Test
  void killNineThePrimaryThenRestartIt() throws Exception {
    ports = FreePorts.take(3);
    for (int i = 0; i < 3; i++) {
      nodes.add(launch(i));
    }
    for (Node n : nodes) {
      assertThat(n.await(120)).isEqualTo("ready");
    }
    assertThat(nodes.get(0).ask("await-nodes 3 60000", 90)).isEqualTo("ok");
    assertThat(nodes.get(0).ask("create vm " + SIZE + " 3 2 sync", 60)).isEqualTo("ok");
    assertThat(nodes.get(0).ask("write vm 0 " + SIZE + " 1", 120)).isEqualTo("ok");
    byte[] image = NodeProcess.bytes(SIZE, 1);

    nodes.get(0).process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    String[] primary = nodes.get(1).ask("await-primary vm 2 60000", 90).split(" ");
    assertThat(primary[0]).isEqualTo("primary");
    assertThat(primary[1]).isIn("n1", "n2");
    Node p = nodes.get(Integer.parseInt(primary[1].substring(1)));
    assertThat(p.ask("await-serving vm 60000", 90)).isEqualTo("ok");
    assertThat(p.ask("readcrc vm " + SIZE, 60)).isEqualTo("crc " + crc(image));

    // A replica that lagged behind the new primary is resynced first (writes need min-copies good copies).
    String other = primary[1].equals("n1") ? "n2" : "n1";
    assertThat(p.ask("await-insync vm 60000 " + other, 90)).isEqualTo("ok");
    assertThat(p.ask("write vm 0 " + SIZE / 2 + " 2", 120)).isEqualTo("ok");
    System.arraycopy(NodeProcess.bytes(SIZE / 2, 2), 0, image, 0, SIZE / 2);

    nodes.set(0, launch(0));
    assertThat(nodes.get(0).await(120)).isEqualTo("ready");
    assertThat(p.ask("await-insync vm 90000", 120)).isEqualTo("ok");
    for (int i = 0; i < 3; i++) {
      assertThat(nodes.get(i).ask("copycrc vm " + SIZE, 60)).as("copy on n" + i).isEqualTo("crc " + crc(image));
    }
    assertThat(nodes.get(0).ask("readcrc vm " + SIZE, 60)).as("the old primary is fenced").startsWith("error");
  }
}
