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
 * SIGSTOP and SIGCONT, a planned handover of a volume's primary, a network partition (one node
 * isolated, or with five nodes or more sometimes a minority of two: every link between the sides cut,
 * see {@link Links}) and a slow node (its links delayed 20-200 ms each way); each kind once in every
 * five faults, in a random order, and the primary is in the fault half of the time. One fault at a
 * time, and each heals before the next: the cluster keeps its majority. Which nodes are killed or
 * paused right now is public, so a client can pick a live door (a door cut off by a partition is
 * left to the client: it answers, and refuses writes, as a real one would).
 */
public final class Nemesis {
  private static final Logger log = LoggerFactory.getLogger(Nemesis.class);
  private static final Duration HEAL = Duration.ofSeconds(90);

  private final ProcessCluster cluster;
  private final String volume;
  private final List<String> alsoWhole;
  private final Random random;
  private final Set<String> down = ConcurrentHashMap.newKeySet();
  private final List<String> history = new ArrayList<>();
  private final List<Integer> kinds = new ArrayList<>();
  private final Links links;

  /**
   * @param volume    whose primary is the victim half of the time
   * @param alsoWhole other volumes that must be whole again before the next fault
   */
  public Nemesis(ProcessCluster cluster, String volume, List<String> alsoWhole, long seed) {
    this.cluster = cluster;
    this.alsoWhole = List.copyOf(alsoWhole);
    this.links = new Links(cluster);
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
      kinds.addAll(List.of(0, 1, 2, 3, 4));
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
      case 3 -> {
        Set<String> side = minority(id);
        // Longer than a pause may last: failure detection (about 5 s) and the failover delay (2 s)
        // must pass for the majority to replace a cut-off primary, which is what a partition tests.
        long cutMillis = holdMillis + random.nextInt(6000);
        record("partition " + side + " | the rest (" + role + " " + id + " cut off) for " + cutMillis + " ms");
        links.partition(side);
        TimeUnit.MILLISECONDS.sleep(cutMillis);
        links.heal();
      }
      case 4 -> {
        Duration delay = Duration.ofMillis(20 + random.nextInt(181));
        record("slow " + id + " (" + role + ") by " + delay.toMillis() + " ms each way for " + holdMillis + " ms");
        links.slow(id, delay);
        TimeUnit.MILLISECONDS.sleep(holdMillis);
        links.heal();
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

  /** The minority side of a partition with {@code victim} in it: alone, or (five nodes or more, half the time) with one more. */
  private Set<String> minority(String victim) {
    Set<String> side = new java.util.TreeSet<>(Set.of(victim));
    List<String> others = cluster.nodes().stream().map(n -> n.info().nodeId()).filter(n -> !n.equals(victim)).toList();
    if (cluster.nodes().size() >= 5 && random.nextBoolean()) {
      side.add(others.get(random.nextInt(others.size())));
    }
    return side;
  }

  /** Returns once every node is UP and every copy of the volumes is in sync (not stale, not unreachable). */
  public void awaitWhole() {
    int count = cluster.nodes().size();
    List<String> all = new ArrayList<>(alsoWhole);
    all.add(0, volume);
    Poll.until("every node UP and " + all + " whole", HEAL, () -> cluster.nodes().get(0)
        .cliIfOk("cluster", "status", "--json").map(ProcessCluster::json)
        .filter(s -> ProcessCluster.upNodes(s) == count)
        .filter(s -> all.stream().allMatch(name -> show(cluster.nodes().get(0), name)
            .filter(v -> v.get("stale").isEmpty() && v.get("unreachable").isEmpty()).isPresent())));
  }

  private Optional<JsonNode> show(DaemonProcess via) {
    return show(via, volume);
  }

  private static Optional<JsonNode> show(DaemonProcess via, String name) {
    return via.cliIfOk("volume", "show", name, "--json").map(ProcessCluster::json);
  }

  private void record(String fault) {
    log.info("nemesis: {}", fault);
    history.add(fault);
  }
}
