package org.snipblock.nbd;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.snipblock.block.MemoryBlockDevice;
import org.snipblock.block.MemoryCatalog;

/**
 * nbdsh (libnbd with its client-side checks switched off) sends the requests a well-behaved client
 * never would, and checks the server's answers, that nothing was written and that it stays up.
 */
class NbdShIT {
  private static final Duration T = Duration.ofSeconds(60);
  private static final long SIZE = 16L << 20;
  private static RunningServer server;

  private static final String PRELUDE = """
      import errno
      h.set_strict_mode(0)
      size = h.get_size()
      def expect(code, fn):
          try:
              fn()
          except nbd.Error as e:
              assert e.errnum == code, "wanted %s, got %s (%s)" % (errno.errorcode[code], e.errnum, e.string)
              return
          raise AssertionError("no error, wanted %s" % errno.errorcode[code])
      """;

  @BeforeAll
  static void start() throws Exception {
    Tools.require("nbdsh");
    MemoryCatalog catalog = new MemoryCatalog()
        .add(new MemoryBlockDevice("vol", SIZE, 512, false))
        .add(new MemoryBlockDevice("ro", SIZE, 512, false))
        .add(new MemoryBlockDevice("big", SIZE, 4096, false));
    ExportPolicies policies = ExportPolicies.of(
        Map.of("ro", ExportPolicy.OPEN.withReadOnly(true)), ExportPolicy.OPEN);
    server = new RunningServer(NbdServerConfig.plain("127.0.0.1", 0).withExportPolicies(policies), catalog);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void outOfRangeUnalignedAndOversizeRequestsAreRefusedAndWriteNothing() {
    nbdsh("vol", """
        h.pwrite(b"\\x5a" * 4096, 0)
        expect(errno.EINVAL, lambda: h.pread(512, size))               # read past the end
        expect(errno.EINVAL, lambda: h.pread(1024, size - 512))        # read straddling the end
        expect(errno.EINVAL, lambda: h.pread(512, 2**63 + 512))        # offset overflows
        expect(errno.ENOSPC, lambda: h.pwrite(b"x" * 512, size))       # write past the end
        expect(errno.EINVAL, lambda: h.pread(100, 0))                  # unaligned length
        expect(errno.EINVAL, lambda: h.pread(512, 7))                  # unaligned offset
        expect(errno.EINVAL, lambda: h.pwrite(b"y" * 100, 4096))       # unaligned write
        expect(errno.EOVERFLOW, lambda: h.pread(48 << 20, 0))          # over the 32 MiB maximum
        expect(errno.EOVERFLOW, lambda: h.pwrite(b"z" * (48 << 20), 0))
        expect(errno.EINVAL, lambda: h.trim(512, size))
        expect(errno.ENOSPC, lambda: h.zero(512, size))
        # Nothing of the refused writes landed.
        assert h.pread(4096, 0) == b"\\x5a" * 4096
        assert h.pread(8192, 4096) == bytes(8192)
        # Still serving on this connection.
        h.pwrite(b"\\x11" * 512, 512)
        assert h.pread(512, 512) == b"\\x11" * 512
        """);
  }

  @Test
  void badFlagsAreEinval() {
    nbdsh("vol", """
        expect(errno.EINVAL, lambda: h.pread(512, 0, flags=nbd.CMD_FLAG_REQ_ONE))
        expect(errno.EINVAL, lambda: h.pwrite(b"q" * 512, 0, flags=nbd.CMD_FLAG_NO_HOLE))
        expect(errno.EINVAL, lambda: h.trim(512, 0, flags=nbd.CMD_FLAG_DF))
        expect(errno.EINVAL, lambda: h.pread(512, 0, flags=0x8000))
        assert h.pread(512, 0) == bytes(512)
        """);
  }

  @Test
  void readOnlyExportRefusesEveryWriteWithEperm() {
    nbdsh("ro", """
        assert h.is_read_only()
        expect(errno.EPERM, lambda: h.pwrite(b"w" * 512, 0))
        expect(errno.EPERM, lambda: h.pwrite(b"w" * 512, 0, flags=nbd.CMD_FLAG_FUA))
        expect(errno.EPERM, lambda: h.trim(4096, 0))
        expect(errno.EPERM, lambda: h.zero(4096, 0))
        assert h.pread(4096, 0) == bytes(4096)
        h.flush()
        h.cache(4096, 0)
        """);
  }

  @Test
  void structuredReadsSendHolesAndHonourDontFragment() {
    nbdsh("vol", """
        # Reads of 32 KiB and more carry holes as hole chunks; smaller ones are plain data.
        run = 32 * 1024
        h.pwrite(b"\\x33" * run, 1 << 20)
        chunks = []
        def chunk(buf, offset, status, error):
            chunks.append((offset, len(buf), status))
            return 0
        data = h.pread_structured(3 * run, (1 << 20) - run, chunk)
        assert data == bytes(run) + b"\\x33" * run + bytes(run), data
        assert sorted(chunks) == [((1 << 20) - run, run, nbd.READ_HOLE),
                                  (1 << 20, run, nbd.READ_DATA),
                                  ((1 << 20) + run, run, nbd.READ_HOLE)], chunks
        chunks.clear()
        h.pread_structured(3 * run, (1 << 20) - run, chunk, flags=nbd.CMD_FLAG_DF)
        assert chunks == [((1 << 20) - run, 3 * run, nbd.READ_DATA)], chunks
        chunks.clear()
        h.pread_structured(4096, (1 << 20) - 4096, chunk)
        assert chunks == [((1 << 20) - 4096, 4096, nbd.READ_DATA)], chunks
        """);
  }

  @Test
  void blockStatusReportsRealHolesAndData() {
    nbdsh("vol", """
        expect(errno.EINVAL, lambda: h.block_status(512, 0, lambda *a: 0))  # no context selected
        """);
    nbdsh(List.of("--base-allocation"), "vol", """
        h.pwrite(b"\\x44" * 8192, 4 << 20)
        h.zero(4096, (4 << 20) + 4096, flags=nbd.CMD_FLAG_NO_HOLE)
        extents = []
        def got(context, offset, entries, error):
            assert context == "base:allocation"
            extents.extend(entries)
            return 0
        h.block_status(1 << 20, (4 << 20) - 512, got)
        # 512 bytes of hole, then 4096 data, 4096 allocated zeroes (zero flag clear is allowed: the
        # memory device reports allocated pages as data), then hole to the end of the range.
        assert extents[0:2] == [512, 3], extents
        assert sum(extents[0::2]) == 1 << 20, extents
        assert extents[2] == 8192 and extents[3] & 1 == 0, extents
        extents.clear()
        h.block_status(1 << 19, 15 << 20, got, flags=nbd.CMD_FLAG_REQ_ONE)
        assert extents == [1 << 19, 3], extents
        expect(errno.EINVAL, lambda: h.block_status(512, size, got))
        """);
  }

  @Test
  void fastZeroAndWriteZeroesVariants() {
    nbdsh("vol", """
        h.pwrite(b"\\x55" * 8192, 8 << 20)
        h.zero(4096, 8 << 20, flags=nbd.CMD_FLAG_FAST_ZERO)
        h.zero(4096, (8 << 20) + 4096, flags=nbd.CMD_FLAG_NO_HOLE | nbd.CMD_FLAG_FUA)
        assert h.pread(8192, 8 << 20) == bytes(8192)
        h.pwrite(b"\\x66" * 4096, 9 << 20, flags=nbd.CMD_FLAG_FUA)
        h.trim(4096, 9 << 20)
        assert h.pread(4096, 9 << 20) == bytes(4096)
        """);
  }

  @Test
  void manyRequestsInFlightCompleteOutOfOrderCorrectly() {
    nbdsh("vol", """
        import os
        blocks = [os.urandom(65536) for _ in range(64)]
        cookies = [h.aio_pwrite(nbd.Buffer.from_bytearray(bytearray(blocks[i])), (10 << 20) + i * 65536)
                   for i in range(64)]
        pending = set(cookies)
        while pending:
            h.poll(-1)
            pending = {c for c in pending if not h.aio_command_completed(c)}
        bufs = [nbd.Buffer(65536) for _ in range(64)]
        cookies = [h.aio_pread(bufs[i], (10 << 20) + i * 65536) for i in range(64)]
        pending = set(cookies)
        while pending:
            h.poll(-1)
            pending = {c for c in pending if not h.aio_command_completed(c)}
        for i in range(64):
            assert bufs[i].to_bytearray() == blocks[i], i
        """);
  }

  @Test
  void fourKibBlockExportRejectsSmallerUnits() {
    nbdsh("big", """
        assert h.get_block_size(nbd.SIZE_MINIMUM) == 4096
        expect(errno.EINVAL, lambda: h.pread(512, 0))
        expect(errno.EINVAL, lambda: h.pwrite(b"a" * 4096, 512))
        h.pwrite(b"a" * 4096, 4096)
        assert h.pread(4096, 4096) == b"a" * 4096
        """);
  }

  @Test
  void listAndMetaContextsOverOptionHaggling() {
    Tools.run(T, Map.of(), List.of("nbdsh", "-c", """
        h.set_opt_mode(True)
        h.connect_uri("nbd://127.0.0.1:%d")
        names = []
        h.opt_list(lambda name, desc: names.append(name) or 0)
        assert names == ["big", "ro", "vol"], names
        contexts = []
        h.set_export_name("vol")
        n = h.opt_list_meta_context(lambda name: contexts.append(name) or 0)
        assert contexts == ["base:allocation"], contexts
        h.set_export_name("nothing-here")
        try:
            h.opt_info()
            raise AssertionError("opt_info on an unknown export succeeded")
        except nbd.Error as e:
            pass
        h.set_export_name("vol")
        h.add_meta_context("base:allocation")
        h.opt_go()
        assert h.can_meta_context("base:allocation")
        assert h.get_size() == %d
        """.formatted(server.port, SIZE))).ok();
  }

  private static void nbdsh(String export, String script) {
    nbdsh(List.of(), export, script);
  }

  private static void nbdsh(List<String> options, String export, String script) {
    List<String> cmd = new java.util.ArrayList<>(List.of("nbdsh"));
    cmd.addAll(options);
    cmd.addAll(List.of("-u", server.uri(export), "-c", PRELUDE + script));
    Tools.run(T, Map.of(), cmd).ok();
  }
}
