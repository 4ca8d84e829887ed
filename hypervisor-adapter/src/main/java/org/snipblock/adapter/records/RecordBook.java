package org.snipblock.adapter.records;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The records of one kind (VMs, hosts, templates, tasks) as typed values, stored as JSON in the
 * cluster's replicated records. Every change is a compare-and-set on the version read, so two
 * writers (the controller and a host agent) never overwrite each other's fields unseen.
 */
public final class RecordBook<T> {
  static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
  /** How often {@link #update} re-reads and retries after losing a compare-and-set. */
  private static final int UPDATE_ATTEMPTS = 20;

  private final ClusterRecords store;
  private final String kind;
  private final Class<T> type;

  public RecordBook(ClusterRecords store, String kind, Class<T> type) {
    this.store = store;
    this.kind = kind;
    this.type = type;
  }

  public Optional<Stored<T>> get(String key) {
    return store.get(kind, key).map(this::decode);
  }

  public List<Stored<T>> list() {
    List<Stored<T>> all = new ArrayList<>();
    for (ClusterRecords.Entry e : store.list(kind, "")) {
      all.add(decode(e));
    }
    return all;
  }

  /** Creates the record; {@link RecordConflict} if one with this key exists. */
  public Stored<T> create(String key, T value) {
    return decode(store.put(kind, key, encode(value), 0));
  }

  /** Replaces the record if it still has {@code version}; {@link RecordConflict} otherwise. */
  public Stored<T> replace(Stored<T> old, T value) {
    return decode(store.put(kind, old.key(), encode(value), old.version()));
  }

  /**
   * Reads, changes and writes back until the write wins (bounded); empty if the record is gone.
   * {@code change} may run more than once and must only compute from its argument.
   */
  public Optional<Stored<T>> update(String key, UnaryOperator<T> change) {
    for (int attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
      Optional<Stored<T>> current = get(key);
      if (current.isEmpty()) {
        return Optional.empty();
      }
      try {
        return Optional.of(replace(current.get(), change.apply(current.get().value())));
      } catch (RecordConflict e) {
        // someone else wrote in between: read again
      }
    }
    throw new RecordConflict(kind + " " + key + " kept changing under " + UPDATE_ATTEMPTS + " attempts to update it");
  }

  /** Deletes the record if it still has {@code version} (0: any); true if it was there. */
  public boolean delete(String key, long version) {
    return store.delete(kind, key, version);
  }

  private byte[] encode(T value) {
    try {
      return JSON.writeValueAsBytes(value);
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode a " + kind + " record", e);
    }
  }

  private Stored<T> decode(ClusterRecords.Entry e) {
    try {
      return new Stored<>(e.key(), JSON.readValue(e.value(), type), e.version());
    } catch (IOException ex) {
      throw new IllegalStateException("the " + kind + " record " + e.key() + " is not readable: " + ex.getMessage(), ex);
    }
  }
}
