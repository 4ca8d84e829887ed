package org.snipblock.node.tenant;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.snipblock.cluster.ClusterRecords;
import org.snipblock.store.StoreSettings;

/**
 * Where tenant settings live: a cluster's replicated records, or a standalone node's own store
 * metadata (as QoS settings are split). Text values keyed by (kind, key).
 */
public interface SettingSpace {
  Optional<String> get(String kind, String key);

  void put(String kind, String key, String value);

  void delete(String kind, String key);

  Map<String, String> list(String kind);

  static SettingSpace of(StoreSettings s) {
    return new SettingSpace() {
      @Override
      public Optional<String> get(String kind, String key) {
        return s.get(kind, key);
      }

      @Override
      public void put(String kind, String key, String value) {
        s.put(kind, key, value);
      }

      @Override
      public void delete(String kind, String key) {
        s.delete(kind, key);
      }

      @Override
      public Map<String, String> list(String kind) {
        return s.list(kind);
      }
    };
  }

  static SettingSpace of(ClusterRecords r) {
    return new SettingSpace() {
      @Override
      public Optional<String> get(String kind, String key) {
        return r.get(kind, key).map(x -> x.getValue().toString(StandardCharsets.UTF_8));
      }

      @Override
      public void put(String kind, String key, String value) {
        // Whatever version it is at (0 would insist on a new record): the node serializes tenant changes.
        long version = r.get(kind, key).map(x -> x.getVersion()).orElse(0L);
        r.put(kind, key, ByteString.copyFromUtf8(value), version);
      }

      @Override
      public void delete(String kind, String key) {
        r.delete(kind, key, 0);
      }

      @Override
      public Map<String, String> list(String kind) {
        Map<String, String> out = new TreeMap<>();
        r.list(kind, "").forEach(x -> out.put(x.getKey(), x.getValue().toString(StandardCharsets.UTF_8)));
        return out;
      }
    };
  }
}
