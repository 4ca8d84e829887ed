package org.snipblock.adapter.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.snipblock.node.admin.AdminClient;

/**
 * Which failure {@link AdminNodes#callUntil} ends with when no node did the call. The calls are
 * answered here, by target, without a node: a channel connects only when a call is made on it.
 */
class AdminNodesTest {
  private static final List<String> TARGETS = List.of("127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3");
  private static final Predicate<StatusRuntimeException> NOT_PRIMARY =
      e -> String.valueOf(e.getStatus().getDescription()).contains("is not the primary of");

  private static StatusRuntimeException notPrimary(String node) {
    return Status.FAILED_PRECONDITION.withDescription("node " + node + " is not the primary of v; ask its primary n1")
        .asRuntimeException();
  }

  /** Each target's answer, and the targets asked in order. */
  private static StatusRuntimeException callUntil(Map<String, StatusRuntimeException> answers, List<String> asked) {
    try (AdminNodes nodes = new AdminNodes(TARGETS, name -> null)) {
      nodes.callUntil((AdminClient c) -> {
        asked.add(c.target());
        throw answers.get(c.target());
      }, NOT_PRIMARY);
      throw new AssertionError("no node refused");
    } catch (StatusRuntimeException e) {
      return e;
    }
  }

  @Test
  void theUnreachableNodeMayBeTheOneThatCouldAnswer() {
    StatusRuntimeException lost = Status.UNAVAILABLE.withDescription("io exception").asRuntimeException();
    List<String> asked = new ArrayList<>();
    StatusRuntimeException e = callUntil(Map.of("127.0.0.1:1", lost, "127.0.0.1:2", notPrimary("n2"),
        "127.0.0.1:3", notPrimary("n3")), asked);
    assertThat(e).isSameAs(lost);
    assertThat(asked).isEqualTo(TARGETS);
  }

  @Test
  void everyNodeAnsweringThatItIsNotThePrimaryIsTheLastRefusal() {
    StatusRuntimeException last = notPrimary("n3");
    assertThat(callUntil(Map.of("127.0.0.1:1", notPrimary("n1"), "127.0.0.1:2", notPrimary("n2"),
        "127.0.0.1:3", last), new ArrayList<>())).isSameAs(last);
  }

  @Test
  void anyOtherRefusalEndsTheCallAtOnce() {
    StatusRuntimeException other = Status.INVALID_ARGUMENT.withDescription("unknown site z").asRuntimeException();
    List<String> asked = new ArrayList<>();
    assertThat(callUntil(Map.of("127.0.0.1:1", Status.UNAVAILABLE.asRuntimeException(), "127.0.0.1:2", other,
        "127.0.0.1:3", notPrimary("n3")), asked)).isSameAs(other);
    assertThat(asked).containsExactly("127.0.0.1:1", "127.0.0.1:2");
    assertThatThrownBy(() -> new AdminNodes(List.of(), name -> null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("no admin address");
  }
}
