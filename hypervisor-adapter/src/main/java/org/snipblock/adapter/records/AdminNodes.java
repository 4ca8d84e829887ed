package org.snipblock.adapter.records;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.snipblock.node.admin.AdminClient;
import org.snipblock.node.admin.ClientTls;

/**
 * The admin APIs of the storage nodes an adapter process may ask ({@code --admin HOST:PORT[,...]}).
 * A call goes to the node that answered last; when that node is unreachable the next one is tried,
 * so losing any one storage node does not stop the adapter.
 */
public final class AdminNodes implements AutoCloseable {
  private final List<String> targets;
  private final List<AdminClient> clients = new ArrayList<>();
  private volatile int current;

  public AdminNodes(List<String> targets) {
    this(targets, System::getenv);
  }

  /** @param env the environment (SNIPBLOCK_TOKEN, SNIPBLOCK_CA, SNIPBLOCK_TLS_CERT, SNIPBLOCK_TLS_KEY) */
  public AdminNodes(List<String> targets, Function<String, String> env) {
    if (targets.isEmpty()) {
      throw new IllegalArgumentException("no admin address");
    }
    this.targets = List.copyOf(targets);
    // The operator's token when the nodes have admin.auth, and the TLS of their admin.tls: the variables the CLI reads.
    String token = env.apply("SNIPBLOCK_TOKEN");
    ClientTls tls = ClientTls.fromEnvironment(env);
    for (String t : targets) {
      clients.add(new AdminClient(t, token, tls));
    }
  }

  public List<String> targets() {
    return targets;
  }

  /** Runs {@code call} on the first node that is reachable, starting with the last one that was. */
  public <T> T call(Function<AdminClient, T> call) {
    StatusRuntimeException last = null;
    for (int i = 0; i < clients.size(); i++) {
      int at = (current + i) % clients.size();
      try {
        T result = call.apply(clients.get(at));
        current = at;
        return result;
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.UNAVAILABLE) {
          throw e;
        }
        last = e;
      }
    }
    throw last;
  }

  /**
   * Runs {@code call} on each node in turn until one answers without a refusal that {@code askNext}
   * accepts (an operation only one node may do, such as one asked of a volume's primary). When none
   * did, the failure is an unreachable node's if there was one: the node that could have done it
   * may be that one (a primary lost, its failover under way), which is worth asking again; only
   * when every node answered is it the last refusal (the one to ask is not among these nodes).
   */
  public <T> T callUntil(Function<AdminClient, T> call, java.util.function.Predicate<StatusRuntimeException> askNext) {
    StatusRuntimeException refused = null;
    StatusRuntimeException unreachable = null;
    for (AdminClient c : clients) {
      try {
        return call.apply(c);
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
          unreachable = e;
        } else if (askNext.test(e)) {
          refused = e;
        } else {
          throw e;
        }
      }
    }
    throw unreachable != null ? unreachable : refused;
  }

  @Override
  public synchronized void close() {
    clients.forEach(AdminClient::close);
  }
}
