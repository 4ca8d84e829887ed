package org.snipblock.node.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.snipblock.block.LoggedErrors;
import org.snipblock.node.admin.v1.AdminGrpc;
import org.snipblock.node.config.NodeConfig;
import org.snipblock.node.config.NodeOptions;
import org.snipblock.node.config.VolumeDeclaration;
import org.snipblock.node.daemon.Node;
import org.snipblock.node.daemon.NodeLauncher;

/**
 * Coverage-guided fuzzing of the admin API's request handlers on a running standalone node with
 * its real store: the first byte picks a call (every unary and server-streaming call of the Admin
 * service but the endless watch), the rest is sent as the request's bytes, so malformed protobuf
 * is fuzzed as well as odd values in well-formed requests. Every call must end within its deadline
 * with OK or a status our code chose (never UNKNOWN: a handler that threw), and nothing may be
 * logged as an unexpected failure. Committed inputs in AdminRequestFuzzTestInputs/ run in CI.
 */
class AdminRequestFuzzTest {
  private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  private static Path dir;
  private static Node node;
  private static ManagedChannel channel;
  private static List<MethodDescriptor<?, ?>> calls;

  @BeforeAll
  static void start() throws IOException {
    dir = Files.createTempDirectory("admin-fuzz");
    node = NodeLauncher.launch(NodeConfig.resolve(new NodeOptions(dir, "127.0.0.1", 0, 0, 0,
        List.of(VolumeDeclaration.parse("vol0:16M")), "n1", "s1/c1/r1/h1", null, List.of())));
    channel = NettyChannelBuilder.forTarget(node.info().adminAddress()).usePlaintext().build();
    calls = AdminGrpc.getServiceDescriptor().getMethods().stream()
        .filter(m -> m.getType() == MethodDescriptor.MethodType.UNARY
            || (m.getType() == MethodDescriptor.MethodType.SERVER_STREAMING && !m.getBareMethodName().startsWith("Watch")))
        .sorted(java.util.Comparator.comparing(MethodDescriptor::getFullMethodName))
        .toList();
  }

  @AfterAll
  static void stop() throws IOException, InterruptedException {
    channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    node.close();
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @FuzzTest(maxDuration = "10s")
  void everyRequestIsAnsweredWithAStatusWeChose(byte[] input) {
    if (input.length == 0) {
      return;
    }
    MethodDescriptor<?, ?> typed = calls.get((input[0] & 0xff) % calls.size());
    MethodDescriptor<byte[], byte[]> call = typed.toBuilder(BYTES, BYTES).build();
    byte[] request = Arrays.copyOfRange(input, 1, input.length);
    CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS);
    try (SilentCloseable ours = BugDetectors.allowNetworkConnections((host, port) -> host.equals("127.0.0.1"));
        LoggedErrors errors = new LoggedErrors()) {
      try {
        if (call.getType() == MethodDescriptor.MethodType.UNARY) {
          ClientCalls.blockingUnaryCall(channel, call, options, request);
        } else {
          for (Iterator<byte[]> it = ClientCalls.blockingServerStreamingCall(channel, call, options, request);
              it.hasNext(); ) {
            it.next();
          }
        }
      } catch (StatusRuntimeException e) {
        assertThat(e.getStatus().getCode()).as("%s: %s", call.getBareMethodName(), e.getStatus())
            .isNotEqualTo(Status.Code.DEADLINE_EXCEEDED);
        if (e.getStatus().getCode() == Status.Code.UNKNOWN) {
          // gRPC's own answer to bytes that are not the request message; from a parsed request it
          // would mean a handler threw.
          assertThat(parses(typed, request)).as("%s: %s for a well-formed request", call.getBareMethodName(),
              e.getStatus()).isFalse();
        }
        assertThat(e.getStatus().getDescription()).as("%s: the status says why", call.getBareMethodName())
            .isNotBlank();
      }
      assertThat(errors.all()).as("unexpected failures logged").isEmpty();
    }
  }

  private static boolean parses(MethodDescriptor<?, ?> method, byte[] request) {
    try {
      method.parseRequest(new ByteArrayInputStream(request));
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }
}
