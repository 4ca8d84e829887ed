package org.snipblock.node.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.snipblock.node.OperatorError;

/**
 * Coverage-guided fuzzing of the node's config file: parsing and resolving any text either gives
 * a config or one operator error, a single line naming the file, never another exception. Seeds
 * in ConfigFileFuzzTestInputs/ (every key, the access and TLS sections, volumes, cluster) run in
 * CI; the README's reliability section says how to fuzz.
 */
class ConfigFileFuzzTest {
  private static final Path ORIGIN = Path.of("/etc/snipblock/node.yaml");

  @FuzzTest(maxDuration = "10s")
  void anyTextGivesAConfigOrOneClearLine(byte[] input) {
    String text = new String(input, StandardCharsets.UTF_8);
    try {
      NodeConfig.resolve(ConfigFile.parse(text, ORIGIN));
    } catch (OperatorError e) {
      assertThat(e.getMessage()).as("the operator error").isNotBlank().doesNotContain("\n");
    }
  }
}
