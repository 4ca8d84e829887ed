package org.snipblock.cluster;

import io.grpc.BindableService;
import io.grpc.HandlerRegistry;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Services the node daemon adds to the replication port after the cluster started (the usage
 * export's per-node answer): the daemon builds them from parts made after it joined, so they
 * cannot be in the server's fixed list. Calls for a service not added yet are UNIMPLEMENTED, as
 * on a node of an older version.
 */
final class PeerServices extends HandlerRegistry {
  private final Map<String, ServerMethodDefinition<?, ?>> methods = new ConcurrentHashMap<>();

  void add(BindableService service) {
    ServerServiceDefinition d = service.bindService();
    for (ServerMethodDefinition<?, ?> m : d.getMethods()) {
      methods.put(m.getMethodDescriptor().getFullMethodName(), m);
    }
  }

  @Override
  public ServerMethodDefinition<?, ?> lookupMethod(String methodName, String authority) {
    return methods.get(methodName);
  }
}
