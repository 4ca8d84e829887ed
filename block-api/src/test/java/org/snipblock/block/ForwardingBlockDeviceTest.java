package org.snipblock.block;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class ForwardingBlockDeviceTest {

  /** One call as the wrapped device saw it. */
  private record Call(Method method, List<Object> args) {}

  private static final class Plain extends ForwardingBlockDevice {
    Plain(BlockDevice delegate) {
      super(delegate);
    }
  }

  @Test
  void everyMethodOfTheSeamIsHandedOnWithTheSameArgumentsAndResult() throws Exception {
    List<Call> calls = new ArrayList<>();
    BlockDevice recorder = (BlockDevice) Proxy.newProxyInstance(
        BlockDevice.class.getClassLoader(), new Class<?>[] {BlockDevice.class}, (proxy, m, a) -> {
          calls.add(new Call(m, a == null ? List.of() : Arrays.asList(a)));
          return resultFor(m.getReturnType());
        });
    BlockDevice forwarding = new Plain(recorder);

    for (Method m : BlockDevice.class.getMethods()) {
      if (Modifier.isStatic(m.getModifiers())) {
        continue;
      }
      calls.clear();
      Object[] args = argsFor(m);
      Object result = m.invoke(forwarding, args);

      assertThat(calls).as(m.getName()).hasSize(1);
      assertThat(calls.get(0).method()).as(m.getName()).isEqualTo(m);
      assertThat(calls.get(0).args()).as(m.getName()).containsExactly(args);
      if (m.getReturnType() != void.class) {
        assertThat(result).as(m.getName()).isEqualTo(resultFor(m.getReturnType()));
      }
    }
  }

  @Test
  void aSubclassChangesOnlyWhatItOverrides() {
    MemoryBlockDevice ram = new MemoryBlockDevice("ram", 1 << 20, 512, false);
    BlockDevice noWrites = new ForwardingBlockDevice(ram) {
      @Override
      public boolean readOnly() {
        return true;
      }

      @Override
      public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
        return CompletableFuture.failedFuture(
            new BlockDeviceException(BlockDeviceException.Kind.READ_ONLY, "no"));
      }
    };
    byte[] block = new byte[512];
    block[3] = 4;
    ram.write(0, ByteBuffer.wrap(block), false).join();

    assertThat(noWrites.name()).isEqualTo("ram");
    assertThat(noWrites.size()).isEqualTo(1 << 20);
    assertThat(noWrites.readOnly()).isTrue();
    assertThat(noWrites.write(0, ByteBuffer.allocate(512), false))
        .isCompletedExceptionally();
    ByteBuffer dst = ByteBuffer.allocate(512);
    noWrites.read(0, dst).join();
    assertThat(dst.array()[3]).isEqualTo((byte) 4);
  }

  @Test
  void aMissingDelegateIsRefusedAtOnce() {
    assertThatThrownBy(() -> new Plain(null)).isInstanceOf(NullPointerException.class);
  }

  private static Object[] argsFor(Method m) {
    Class<?>[] types = m.getParameterTypes();
    Object[] args = new Object[types.length];
    for (int i = 0; i < types.length; i++) {
      Class<?> t = types[i];
      if (t == long.class) {
        args[i] = 4096L * (i + 1);
      } else if (t == boolean.class) {
        args[i] = i % 2 == 0;
      } else if (t == int.class) {
        args[i] = i + 1;
      } else if (t == ByteBuffer.class) {
        args[i] = ByteBuffer.allocate(512 * (i + 1));
      } else if (t == String.class) {
        args[i] = "arg" + i;
      } else {
        throw new AssertionError("no test argument for " + t + " in " + m);
      }
    }
    return args;
  }

  private static final CompletableFuture<Object> FUTURE = new CompletableFuture<>();
  private static final java.util.List<String> LIST = java.util.List.of("inner-list");

  /** What the wrapped device answers (a future compares by identity). */
  private static Object resultFor(Class<?> type) {
    if (type == void.class) {
      return null;
    } else if (type == String.class) {
      return "inner";
    } else if (type == long.class) {
      return 77L;
    } else if (type == int.class) {
      return 4096;
    } else if (type == boolean.class) {
      return true;
    } else if (type == CompletableFuture.class) {
      return FUTURE;
    } else if (type == java.util.List.class) {
      return LIST;
    }
    throw new AssertionError("no test result for " + type);
  }
}
