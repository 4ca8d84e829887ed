package org.snipblock.node.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Faults at random, from a seed (the same seed, the same choices): kill -9 and restart of a daemon,
 * SIGSTOP and SIGCONT, a planned handover of a volume's primary (each kind once in every three
 * faults, in a random order); the primary is the victim half of the time. One fault at a time, and each heals before the next: the cluster keeps its majority.
 * Which nodes are down right now is public, so a client can pick a live door.
 */
public final class Nemesis {
  private static final Logger log = LoggerFactory.getLogger(Nemesis.class);
  private static final Duration HEAL = Duration.ofSeconds(90);

  private final ProcessCluster cluster;
  private final String volume;
  private final Random random;
  private final Set<String> down = ConcurrentHashMap.newKeySet();
  private final List<String> history = new ArrayList<>();
  private final List<Integer> kinds = new ArrayList<>();

  public Nemesis(ProcessCluster cluster, String volume, long seed) {
    this.cluster = cluster;
    this.volume = volume;
    this.random = new Random(seed);
  }

  /** A node that is neither killed nor paused right now, chosen with {@code choice}. */
  public DaemonProcess liveNode(Random choice) {
    List<DaemonProcess> live = cluster.nodes().stream().filter(n -> !down.contains(n.info().nodeId())).toList();
    return live.get(choice.nextInt(live.size()));
  }

  /** What was done so far, one line per fault. */
  public List<String> history() {
    return List.copyOf(history);
  }

  /** Injects one fault, holds it for a random while, heals it and waits until the volume is whole again. */
  public void strike() throws InterruptedException {
    DaemonProcess via = liveNode(random);
    // A node restarted by the last fault may still be rejoining: it answers once it has.
    String primary = Poll.until("volume " + volume + " shown by " + via.info().nodeId(), HEAL, () -> show(via))
        .get("primary").asText();
    DaemonProcess victim = random.nextBoolean() ? cluster.node(primary) : cluster.nodes().get(random.nextInt(
        cluster.nodes().size()));
    String id = victim.info().nodeId();
    String role = id.equals(primary) ? "primary" : "replica";
    // How long a fault lasts is itself one of the random choices (shorter or longer than the failover
    // delay of 2 s and the membership's failure detection of about 5 s: a frozen primary is sometimes
    // replaced and fenced when it wakes), so it is a chosen pause, not a wait for a condition.
    long holdMillis = 500 + random.nextInt(7000);
    if (kinds.isEmpty()) {
      // Every kind once per round, in a random order: a short schedule still has each of them.
      kinds.addAll(List.of(0, 1, 2));
      java.util.Collections.shuffle(kinds, random);
    }
    switch (kinds.remove(0)) {
      case 0 -> {
        record("kill -9 " + id + " (" + role + "), restart after " + holdMillis + " ms");
        down.add(id);
        victim.kill9();
        TimeUnit.MILLISECONDS.sleep(holdMillis);
        victim.restart();
        down.remove(id);
      }
      case 1 -> {
        record("SIGSTOP " + id + " (" + role + ") for " + holdMillis + " ms");
        down.add(id);
        victim.pause();
        TimeUnit.MILLISECONDS.sleep(holdMillis);
        victim.resume();
        down.remove(id);
      }
      default -> {
        List<String> others = cluster.nodes().stream().map(n -> n.info().nodeId()).filter(n -> !n.equals(primary))
            .toList();
        String to = others.get(random.nextInt(others.size()));
        Optional<String> moved = cluster.node(primary).cliIfOk("volume", "move-primary", volume, "--to", to);
        record("move-primary " + primary + " -> " + to + ": " + moved.map(String::strip).orElse("refused"));
      }
    }
    awaitWhole();
  }

  /** Returns once every node is UP and every copy of the volume is in sync (not stale, not unreachable). */
  public void awaitWhole() {
    int count = cluster.nodes().size();
    Poll.until("every node UP and " + volume + " whole", HEAL, () -> cluster.nodes().get(0)
        .cliIfOk("cluster", "status", "--json").map(ProcessCluster::json)
        .filter(s -> ProcessCluster.upNodes(s) == count)
        .flatMap(s -> show(cluster.nodes().get(0)))
        .filter(v -> v.get("stale").isEmpty() && v.get("unreachable").isEmpty()));
  }

  private Optional<JsonNode> show(DaemonProcess via) {
    return via.cliIfOk("volume", "show", volume, "--json").map(ProcessCluster::json);
  }

  private void record(String fault) {
    log.info("nemesis: {}", fault);
    history.add(fault);
  }
}
