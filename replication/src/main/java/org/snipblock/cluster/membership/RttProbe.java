package org.snipblock.cluster.membership;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.JChannel;
import org.jgroups.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures round-trip times to every other member with small ping/pong messages over the cluster
 * channel (an application handshake, as the placement wants: it includes the peer's JVM and
 * thread hand-off, not just the wire). Reports per peer the median of its last {@value #WINDOW}
 * samples: one slow answer (a pause in either JVM) must not make a near peer look far and flap
 * the sync groups, placement and flags that follow from it.
 */
final class RttProbe {
  private static final Logger log = LoggerFactory.getLogger(RttProbe.class);
  static final byte MAGIC = (byte) 0xB7;
  private static final byte PING = 1;
  private static final byte PONG = 2;

  private final JChannel channel;
  private final ScheduledExecutorService timer;
  static final int WINDOW = 5;

  /** A peer's latest samples, oldest overwritten first. */
  private static final class Samples {
    private final double[] millis = new double[WINDOW];
    private int count;
    private int next;

    synchronized void add(double ms) {
      millis[next] = ms;
      next = (next + 1) % WINDOW;
      count = Math.min(count + 1, WINDOW);
    }

    synchronized double median() {
      double[] sorted = java.util.Arrays.copyOf(millis, count);
      java.util.Arrays.sort(sorted);
      return count % 2 == 1 ? sorted[count / 2] : (sorted[count / 2 - 1] + sorted[count / 2]) / 2;
    }
  }

  private final Map<String, Samples> rttMillis = new ConcurrentHashMap<>();
  private final Map<String, Long> heldBackFor = new ConcurrentHashMap<>();
  private volatile ToLongFunction<String> heldBackNanos = member -> 0;

  RttProbe(JChannel channel, ScheduledExecutorService timer) {
    this.channel = channel;
    this.timer = timer;
  }

  /** A simulated WAN (tests): pings to a member are held back this long, so the round trip includes it. */
  void holdBack(ToLongFunction<String> nanosByMember) {
    this.heldBackNanos = nanosByMember;
  }

  /** Sends one ping to each member but self. */
  void probe(Iterable<Address> members) {
    Address self = channel.getAddress();
    for (Address a : members) {
      if (a.equals(self)) {
        continue;
      }
      long sentAt = System.nanoTime();
      String member = String.valueOf(a);
      long held = heldBackNanos.applyAsLong(member);
      Long before = heldBackFor.put(member, held);
      if (before != null && before != held) {
        // The simulated link to this peer changed (its record arrived): the old samples measured another link.
        rttMillis.remove(member);
      }
      if (held > 0) {
        timer.schedule(() -> send(a, PING, sentAt), held, TimeUnit.NANOSECONDS);
      } else {
        send(a, PING, sentAt);
      }
    }
  }

  /** True if the message was a probe message (and was handled). */
  boolean handle(Message msg) {
    if (msg.getLength() != 10) {
      return false;
    }
    ByteBuffer b = ByteBuffer.wrap(msg.getArray(), msg.getOffset(), msg.getLength());
    if (b.get() != MAGIC) {
      return false;
    }
    byte kind = b.get();
    long nanos = b.getLong();
    if (kind == PING) {
      send(msg.getSrc(), PONG, nanos);
    } else if (kind == PONG) {
      double sample = (System.nanoTime() - nanos) / 1e6;
      rttMillis.computeIfAbsent(String.valueOf(msg.getSrc()), m -> new Samples()).add(sample);
    }
    return true;
  }

  void forget(String member) {
    rttMillis.remove(member);
    heldBackFor.remove(member);
  }

  /** Round trip in milliseconds (median of the latest samples) to each member measured so far, by member name. */
  Map<String, Double> rttMillis() {
    Map<String, Double> out = new java.util.HashMap<>();
    rttMillis.forEach((member, samples) -> out.put(member, samples.median()));
    return Map.copyOf(out);
  }

  private void send(Address to, byte kind, long nanos) {
    byte[] payload = ByteBuffer.allocate(10).put(MAGIC).put(kind).putLong(nanos).array();
    try {
      channel.send(new BytesMessage(to, payload).setFlag(Message.Flag.OOB, Message.Flag.DONT_BUNDLE));
    } catch (Exception e) {
      log.debug("rtt probe to {} not sent: {}", to, e.toString());
    }
  }
}
