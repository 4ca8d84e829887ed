package org.snipblock.cluster.membership;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.JChannel;
import org.jgroups.Message;
import org.jgroups.protocols.raft.REDIRECT;
import org.jgroups.raft.RaftHandle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metadata voters (jgroups-raft's members) and their changes at run time. A voter is added or
 * removed by a raft entry that the leader commits (REDIRECT sends the request there), one change
 * at a time.
 *
 * <p>A node that joins at run time starts as a raft learner (it gets the log, has no vote). Its
 * voter list must be the cluster's before it gets a vote, since raft replays membership changes
 * from the log onto the list a node starts with: so it asks the leader for the current list (a
 * small request over the cluster channel), takes that list, and only then asks to be added; once
 * added it keeps the list in {@code raft/voters}, which it starts from after a restart.
 */
final class RaftVoters {
  private static final Logger log = LoggerFactory.getLogger(RaftVoters.class);
  static final byte MAGIC = (byte) 0xB8;
  private static final byte ASK = 1;
  private static final byte ANSWER = 2;

  private final String self;
  private final JChannel channel;
  private final RaftHandle raft;
  private final Path file;
  private final AtomicBoolean asking = new AtomicBoolean();

  RaftVoters(String self, JChannel channel, RaftHandle raft, Path raftDir) {
    this.self = self;
    this.channel = channel;
    this.raft = raft;
    this.file = raftDir.resolve("voters");
  }

  /**
   * The voter list this node starts from: the one it took when it joined at run time, else the
   * join list (the founding voters).
   */
  static List<String> startingList(Path raftDir, List<String> join) {
    Path f = raftDir.resolve("voters");
    try {
      return Files.exists(f) ? List.of(Files.readString(f).strip().split(",")) : join;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + f, e);
    }
  }

  /** True when this data directory has never joined a cluster at run time (no voter list kept). */
  static boolean neverJoined(Path raftDir) {
    return !Files.exists(raftDir.resolve("voters"));
  }

  List<String> current() {
    return raft.raft().members();
  }

  boolean voter() {
    return current().contains(self);
  }

  CompletableFuture<byte[]> add(String member) {
    return change(member, true);
  }

  CompletableFuture<byte[]> remove(String member) {
    return change(member, false);
  }

  private CompletableFuture<byte[]> change(String member, boolean add) {
    try {
      REDIRECT redirect = channel.getProtocolStack().findProtocol(REDIRECT.class);
      return add ? redirect.addServer(member) : redirect.removeServer(member);
    } catch (Exception e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * One step of joining as a voter, called periodically until {@link #voter()}: asks the leader
   * for the voter list (its answer takes the next step).
   */
  void joinStep() {
    Address leader = raft.leader();
    if (voter() || leader == null || asking.get()) {
      return;
    }
    send(leader, ASK, new byte[0]);
  }

  /** True if the message was a voter-list message (and was handled). */
  boolean handle(Message msg) {
    if (msg.getLength() < 2 || msg.getArray()[msg.getOffset()] != MAGIC) {
      return false;
    }
    ByteBuffer b = ByteBuffer.wrap(msg.getArray(), msg.getOffset(), msg.getLength());
    b.get();
    byte kind = b.get();
    if (kind == ASK) {
      send(msg.getSrc(), ANSWER, String.join(",", current()).getBytes(StandardCharsets.UTF_8));
    } else if (kind == ANSWER && !voter() && asking.compareAndSet(false, true)) {
      String list = new String(msg.getArray(), msg.getOffset() + 2, msg.getLength() - 2, StandardCharsets.UTF_8);
      takeAndAsk(Arrays.stream(list.split(",")).filter(s -> !s.isBlank()).toList());
    }
    return true;
  }

  private void takeAndAsk(List<String> voters) {
    raft.raft().members(voters);
    if (voters.contains(self)) {
      // Added already (its entry not applied here yet when this node asked).
      keep(voters);
      asking.set(false);
      return;
    }
    log.info("{}: joining the metadata voters {}", self, voters);
    add(self).whenComplete((ok, e) -> {
      if (e != null) {
        log.info("{}: not added as a voter yet ({}); asking again", self, e.toString());
      } else {
        keep(voters);
        log.info("{}: added as a metadata voter", self);
      }
      asking.set(false);
    });
  }

  /** Kept once added: a restart starts from it (and does not ask again). */
  private void keep(List<String> voters) {
    try {
      Path tmp = file.resolveSibling("voters.tmp");
      Files.writeString(tmp, String.join(",", voters));
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      log.warn("{}: cannot keep the voter list {} in {}: {}", self, voters, file, e.toString());
    }
  }

  private void send(Address to, byte kind, byte[] body) {
    byte[] payload = ByteBuffer.allocate(2 + body.length).put(MAGIC).put(kind).put(body).array();
    try {
      channel.send(new BytesMessage(to, payload).setFlag(Message.Flag.OOB));
    } catch (Exception e) {
      log.debug("voter message to {} not sent: {}", to, e.toString());
    }
  }
}
