package org.snipblock.adapter.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.snipblock.node.OperatorError;

/**
 * Reads a VM's console log from its host agent ({@code ConsoleServer}) piece by piece, remembering
 * how far it got, so that following the console asks only for what is new.
 */
final class ConsoleReader {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
  private final String address;
  private final String vm;
  private long offset;

  ConsoleReader(String address, String vm) {
    this.address = address;
    this.vm = vm;
  }

  /** The bytes written since the last call (empty when there are none yet). */
  byte[] next() throws InterruptedException {
    URI uri = URI.create("http://" + address + "/vms/" + vm + "/console?from=" + offset);
    HttpResponse<byte[]> r;
    try {
      r = http.send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new OperatorError("cannot reach the console of " + vm + " at " + address + ": " + e.getMessage());
    }
    if (r.statusCode() == 404) {
      throw new OperatorError("the host agent at " + address + " has no console log of " + vm);
    }
    if (r.statusCode() != 200) {
      throw new OperatorError("the host agent at " + address + " answered " + r.statusCode() + " for the console of " + vm);
    }
    offset += r.body().length;
    return r.body();
  }
}
