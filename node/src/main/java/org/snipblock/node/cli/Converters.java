package org.snipblock.node.cli;

import org.snipblock.node.config.ByteSize;
import org.snipblock.node.config.VolumeDeclaration;
import org.snipblock.node.logging.LogFormat;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Command-line value parsers; each error message says what a good value looks like. */
final class Converters {
  private Converters() {}

  /** 10G, 512M, 1T or plain bytes. */
  static final class Size implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      try {
        return ByteSize.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** 500ms, 30s, 5m, 1h. */
  static final class Span implements ITypeConverter<java.time.Duration> {
    @Override
    public java.time.Duration convert(String value) {
      try {
        return org.snipblock.node.config.DurationText.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** NAME:SIZE. */
  static final class Volume implements ITypeConverter<VolumeDeclaration> {
    @Override
    public VolumeDeclaration convert(String value) {
      try {
        return VolumeDeclaration.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** A TCP port, 0..65535. */
  static final class Format implements ITypeConverter<LogFormat> {
    @Override
    public LogFormat convert(String value) {
      try {
        return LogFormat.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  static final class Port implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      int port;
      try {
        port = Integer.parseInt(value.trim());
      } catch (NumberFormatException e) {
        throw new TypeConversionException("invalid port '" + value + "': expected a number 0..65535");
      }
      if (port < 0 || port > 65535) {
        throw new TypeConversionException("invalid port " + port + ": expected 0..65535 (0 = any free port)");
      }
      return port;
    }
  }

  /** HOST:PORT, with IPv6 hosts in brackets. */
  static final class HostPort implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      int colon = value.lastIndexOf(':');
      if (colon <= 0 || colon == value.length() - 1) {
        throw new TypeConversionException("invalid address '" + value + "': expected HOST:PORT (e.g. 127.0.0.1:7070)");
      }
      if (!value.substring(0, colon).matches("[A-Za-z0-9.\\-_\\[\\]:]+")) {
        throw new TypeConversionException("invalid address '" + value + "': expected one HOST:PORT (e.g. "
            + "127.0.0.1:7070); the command talks to one node");
      }
      new Port().convert(value.substring(colon + 1));
      return value;
    }
  }
}
