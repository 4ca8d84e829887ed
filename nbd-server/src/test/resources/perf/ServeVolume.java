import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.snipblock.nbd.NbdServer;
import org.snipblock.nbd.NbdServerConfig;
import org.snipblock.store.SnippetStore;
import org.snipblock.store.StoreConfig;
import org.snipblock.store.VolumeSpec;

/**
 * Serves one SnippetStore volume over NbdServer on 127.0.0.1 for the side-by-side fio script:
 * java -cp CLASSPATH ServeVolume.java DATA_DIR VOLUME SIZE_BYTES; prints "port N" when ready.
 */
public class ServeVolume {
  public static void main(String[] args) throws Exception {
    SnippetStore store = SnippetStore.open(Path.of(args[0]), StoreConfig.defaults());
    if (store.show(args[1]).isEmpty()) {
      store.create(VolumeSpec.of(args[1], Long.parseLong(args[2])));
    }
    NbdServer server = new NbdServer(NbdServerConfig.plain("127.0.0.1", 0), store);
    int port = server.start();
    System.out.println("port " + port);
    System.out.flush();
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      store.close();
      stop.countDown();
    }));
    stop.await();
  }
}
