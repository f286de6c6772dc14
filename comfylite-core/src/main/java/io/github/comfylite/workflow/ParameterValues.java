package io.github.comfylite.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Optional;

/**
 * Checks and normalizes parameter values, from callers (Java objects, or JSON decoded by the server) and from mapping
 * files (YAML trees). Normal forms: STRING → String, INTEGER → Long (BigInteger beyond a long), NUMBER → Long,
 * BigInteger, Double or BigDecimal, BOOLEAN → Boolean, IMAGE → ImageInput or String.
 */
final class ParameterValues {
  private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
  private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

  private ParameterValues() {}

  /** A value that does not fit; the message completes "parameter 'x' …", e.g. "must be a whole number, got 20.5". */
  static final class BadValue extends Exception {
    private static final long serialVersionUID = 1L;

    BadValue(String message) {
      super(message, null, false, false);
    }
  }

  /** Normalizes {@code raw} to {@code type}'s normal form, without checking limits. */
  static Object coerce(ParameterType type, Object raw) throws BadValue {
    switch (type) {
      case STRING:
        if (raw instanceof String) {
          return raw;
        }
        throw new BadValue("must be a string, got " + describe(raw));
      case BOOLEAN:
        if (raw instanceof Boolean) {
          return raw;
        }
        throw new BadValue("must be true or false, got " + describe(raw));
      case IMAGE:
        if (raw instanceof ImageInput) {
          return raw;
        }
        if (raw instanceof String && !((String) raw).isBlank()) {
          return raw;
        }
        throw new BadValue("must be an image (ImageInput) or the name of a file in ComfyUI's input folder, got "
            + describe(raw));
      case INTEGER:
        return integer(raw);
      case NUMBER:
        return number(raw);
      default:
        throw new AssertionError(type);
    }
  }

  private static Object integer(Object raw) throws BadValue {
    if (raw instanceof Integer || raw instanceof Long || raw instanceof Short || raw instanceof Byte) {
      return ((Number) raw).longValue();
    }
    if (raw instanceof BigInteger) {
      return shrink((BigInteger) raw);
    }
    if (raw instanceof Double || raw instanceof Float || raw instanceof BigDecimal) {
      BigDecimal decimal = decimal((Number) raw);
      if (decimal.signum() != 0 && decimal.stripTrailingZeros().scale() > 0) {
        throw new BadValue("must be a whole number, got " + describe(raw));
      }
      return shrink(decimal.toBigIntegerExact());
    }
    throw new BadValue("must be a whole number, got " + describe(raw));
  }

  private static Object number(Object raw) throws BadValue {
    if (raw instanceof Integer || raw instanceof Long || raw instanceof Short || raw instanceof Byte) {
      return ((Number) raw).longValue();
    }
    if (raw instanceof Double || raw instanceof Float) {
      double value = ((Number) raw).doubleValue();
      if (Double.isNaN(value) || Double.isInfinite(value)) {
        throw new BadValue("must be a finite number, got " + raw);
      }
      return value;
    }
    if (raw instanceof BigInteger || raw instanceof BigDecimal) {
      return raw;
    }
    throw new BadValue("must be a number, got " + describe(raw));
  }

  private static Object shrink(BigInteger value) {
    return value.compareTo(LONG_MIN) >= 0 && value.compareTo(LONG_MAX) <= 0 ? (Object) value.longValue() : value;
  }

  /** The exact decimal value of a number; throws for NaN and infinities. */
  static BigDecimal decimal(Number number) throws BadValue {
    if (number instanceof BigDecimal) {
      return (BigDecimal) number;
    }
    if (number instanceof BigInteger) {
      return new BigDecimal((BigInteger) number);
    }
    if (number instanceof Double || number instanceof Float) {
      double value = number.doubleValue();
      if (Double.isNaN(value) || Double.isInfinite(value)) {
        throw new BadValue("must be a finite number, got " + value);
      }
      // valueOf uses the shortest decimal that round-trips, so 20.5 stays 20.5 in messages and comparisons.
      return BigDecimal.valueOf(value);
    }
    return BigDecimal.valueOf(number.longValue());
  }

  /** Checks a normalized value against the limits; numbers compare by value, so 8 equals 8.0. */
  static void checkLimits(Object value, Optional<BigDecimal> min, Optional<BigDecimal> max, List<Object> allowed)
      throws BadValue {
    if (value instanceof Number && (min.isPresent() || max.isPresent())) {
      BigDecimal decimal = decimal((Number) value);
      boolean low = min.isPresent() && decimal.compareTo(min.get()) < 0;
      boolean high = max.isPresent() && decimal.compareTo(max.get()) > 0;
      if (low || high) {
        if (min.isPresent() && max.isPresent()) {
          throw new BadValue("must be between " + min.get().toPlainString() + " and " + max.get().toPlainString()
              + ", got " + decimal.toPlainString());
        }
        throw new BadValue(low
            ? "must be at least " + min.get().toPlainString() + ", got " + decimal.toPlainString()
            : "must be at most " + max.get().toPlainString() + ", got " + decimal.toPlainString());
      }
    }
    if (!allowed.isEmpty() && allowed.stream().noneMatch(candidate -> same(candidate, value))) {
      StringBuilder message = new StringBuilder("must be one of ");
      for (int i = 0; i < allowed.size(); i++) {
        message.append(i == 0 ? "" : ", ").append(display(allowed.get(i)));
      }
      message.append(", got ").append(display(value));
      if (value instanceof String) {
        List<String> texts = allowed.stream().filter(String.class::isInstance).map(String.class::cast).toList();
        message.append(Suggestions.didYouMean((String) value, texts));
      }
      throw new BadValue(message.toString());
    }
  }

  private static boolean same(Object a, Object b) {
    if (a instanceof Number && b instanceof Number) {
      try {
        return decimal((Number) a).compareTo(decimal((Number) b)) == 0;
      } catch (BadValue e) {
        return false;
      }
    }
    return a.equals(b);
  }

  /** The JSON node for a normalized value. Nodes are immutable, so one node may be set on several targets. */
  static JsonNode toNode(Object value) {
    if (value instanceof String) {
      return TextNode.valueOf((String) value);
    }
    if (value instanceof Long) {
      long number = (Long) value;
      // Int nodes where the value fits, as Jackson itself reads them, so built graphs compare equal to parsed ones.
      return number == (int) number ? IntNode.valueOf((int) number) : LongNode.valueOf(number);
    }
    if (value instanceof BigInteger) {
      return BigIntegerNode.valueOf((BigInteger) value);
    }
    if (value instanceof Double) {
      return DoubleNode.valueOf((Double) value);
    }
    if (value instanceof BigDecimal) {
      return DecimalNode.valueOf((BigDecimal) value);
    }
    if (value instanceof Boolean) {
      return BooleanNode.valueOf((Boolean) value);
    }
    throw new IllegalArgumentException("no JSON form for " + value.getClass().getName());
  }

  /**
   * The Java value of a scalar JSON or YAML node (String, Long, BigInteger, Double, BigDecimal or Boolean), or empty
   * for null, arrays and objects.
   */
  static Optional<Object> fromNode(JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode() || node.isContainerNode()) {
      return Optional.empty();
    }
    if (node.isTextual()) {
      return Optional.of(node.textValue());
    }
    if (node.isBoolean()) {
      return Optional.of(node.booleanValue());
    }
    if (node.isBigInteger()) {
      return Optional.of(shrink(node.bigIntegerValue()));
    }
    if (node.isIntegralNumber()) {
      return Optional.of(node.longValue());
    }
    if (node.isBigDecimal()) {
      return Optional.of(node.decimalValue());
    }
    if (node.isNumber()) {
      return Optional.of(node.doubleValue());
    }
    return Optional.empty();
  }

  /** A value for a message: numbers plain, text quoted and cut short, other types named. */
  static String describe(Object raw) {
    if (raw == null) {
      return "null";
    }
    if (raw instanceof String) {
      return "the text " + display(raw);
    }
    if (raw instanceof Number) {
      try {
        return decimal((Number) raw).toPlainString();
      } catch (BadValue e) {
        return raw.toString();
      }
    }
    if (raw instanceof Boolean) {
      return raw.toString();
    }
    if (raw instanceof ImageInput) {
      return "an image";
    }
    if (raw instanceof JsonNode) {
      return ((JsonNode) raw).isArray() ? "a list" : "an object";
    }
    return "a value of type " + raw.getClass().getSimpleName();
  }

  private static String display(Object value) {
    if (value instanceof String) {
      String text = (String) value;
      return "\"" + (text.length() > 40 ? text.substring(0, 40) + "…" : text) + "\"";
    }
    if (value instanceof Number) {
      try {
        return decimal((Number) value).toPlainString();
      } catch (BadValue e) {
        return value.toString();
      }
    }
    return String.valueOf(value);
  }
}
