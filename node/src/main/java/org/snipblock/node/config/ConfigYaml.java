package org.snipblock.node.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.snipblock.node.OperatorError;

/**
 * Binds config text to {@link ConfigFileModel} and turns what the YAML parser and Jackson say
 * about bad text (syntax, unknown keys, wrong types) into one operator error line naming the file,
 * line and key.
 */
final class ConfigYaml {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private ConfigYaml() {}

  /**
   * The file's shape, or null when the text holds no settings (only comments, or a document that
   * is only null).
   *
   * @throws OperatorError with the file, line and key at fault
   */
  static ConfigFileModel bind(String text, Path origin) {
    try (JsonParser parser = YAML.createParser(text)) {
      if (parser.nextToken() == null) {
        return null; // only comments
      }
      return YAML.readValue(parser, ConfigFileModel.class);
    } catch (UnrecognizedPropertyException e) {
      String known = e.getKnownPropertyIds().stream().map(Object::toString).sorted()
          .collect(Collectors.joining(", "));
      throw error(origin, e, "unknown key '" + e.getPropertyName() + "' (known: " + known + ")");
    } catch (JsonMappingException e) {
      if (e.getCause() instanceof StreamReadException syntax) {
        throw error(origin, syntax, "not valid YAML: " + oneLine(syntax.getOriginalMessage()));
      }
      throw error(origin, e, describe(e));
    } catch (JacksonException e) {
      throw error(origin, e, "not valid YAML: " + oneLine(e.getOriginalMessage()));
    } catch (IOException e) {
      throw new OperatorError("cannot read config file " + origin + ": " + oneLine(e.getMessage()));
    }
  }

  private static String describe(JsonMappingException e) {
    String key = e.getPath().stream()
        .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
        .collect(Collectors.joining(".")).replace(".[", "[");
    String why;
    if (e instanceof InvalidFormatException f) {
      why = "expected " + expected(f.getTargetType()) + ", got '" + f.getValue() + "'";
    } else if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
      why = "expected " + expected(m.getTargetType());
    } else {
      why = oneLine(e.getOriginalMessage());
    }
    return key.isEmpty() ? why : "'" + key + "': " + why;
  }

  private static String expected(Class<?> type) {
    if (type == Integer.class || type == int.class) {
      return "a whole number";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "true or false";
    }
    if (type == String.class) {
      return "a single value";
    }
    if (List.class.isAssignableFrom(type)) {
      return "a list";
    }
    return "a mapping of keys to values";
  }

  /**
   * YAML parser messages span lines and quote the input back with a caret under it; the operator
   * needs only the sentences (the line number is given separately).
   */
  private static String oneLine(String message) {
    return String.valueOf(message).lines()
        .filter(l -> !l.startsWith(" in '") && !l.startsWith("    ") && !l.isBlank())
        .map(String::trim)
        .collect(Collectors.joining("; "));
  }

  private static OperatorError error(Path origin, JacksonException e, String what) {
    JsonLocation at = e.getLocation();
    String where = at == null || at.getLineNr() < 1 ? "" : ", line " + at.getLineNr();
    return new OperatorError("config file " + origin + where + ": " + what);
  }
}
