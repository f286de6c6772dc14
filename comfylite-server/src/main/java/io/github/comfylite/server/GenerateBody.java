package io.github.comfylite.server;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A parsed, type-checked {@code POST /generate} body. {@link #parse} checks everything that does not depend on the
 * workflow: JSON syntax, the shape and type of each field, the server's limits (prompt length, sizes, image count)
 * and the webhook URL; the workflow's own parameter rules are checked when the graph is built.
 *
 * <p>The original's fields map onto workflow parameters: {@code prompt → prompt}, {@code image_count → imageCount},
 * {@code width → width}, {@code height → height}, {@code seed → seed}. Any other parameter goes in {@code params}.
 * Unknown top-level fields are rejected (naming the field and the allowed ones), so that a typo such as
 * {@code "widht"} never silently falls back to a default.
 *
 * @param workflow the requested workflow, if any
 * @param params workflow parameter values by parameter name, in request order
 * @param fields for each parameter, the request field it came from ({@code image_count}, {@code params.steps}), for
 *     error messages
 * @param webhook where to deliver the outcome, if anywhere
 */
record GenerateBody(
    Optional<String> workflow, Map<String, Object> params, Map<String, String> fields, Optional<URI> webhook) {

  /** Top-level request fields that map onto workflow parameters, in the original's order. */
  static final Map<String, String> PARAMETER_FIELDS = Map.of(
      "prompt", "prompt",
      "image_count", "imageCount",
      "width", "width",
      "height", "height",
      "seed", "seed");

  static final List<String> ALLOWED_FIELDS =
      List.of("prompt", "image_count", "width", "height", "seed", "webhook_url", "workflow", "params");

  /** The largest seed ComfyUI accepts (2^64 - 1). */
  static final BigInteger MAX_SEED = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
  /** ComfyUI's smallest latent size (EmptyLatentImage's minimum). */
  static final int MIN_IMAGE_SIZE = 16;

  GenerateBody {
    params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
    fields = Map.copyOf(fields);
  }

  /** The server's limits applied while parsing. */
  record Limits(int maxPromptLength, int maxImageCount, int maxImageSize, WebhookPolicy webhooks) {
    /** The server's own range for a well-known integer parameter ({@code imageCount}, {@code width}, {@code height}). */
    Optional<Range> range(String parameter) {
      switch (parameter) {
        case "imageCount":
          return Optional.of(new Range(1, maxImageCount, "COMFYLITE_MAX_IMAGE_COUNT"));
        case "width":
        case "height":
          return Optional.of(new Range(MIN_IMAGE_SIZE, maxImageSize, "COMFYLITE_MAX_IMAGE_SIZE"));
        default:
          return Optional.empty();
      }
    }
  }

  /** Inclusive bounds, and the setting that raises the maximum. */
  record Range(int min, int max, String setting) {}

  /**
   * Parses and checks a request body.
   *
   * @throws HttpError 400 naming the field and the problem
   */
  static GenerateBody parse(byte[] body, Limits limits) {
    JsonNode root = readTree(body);
    if (!root.isObject()) {
      throw HttpError.badRequest("request body must be a JSON object such as {\"prompt\": \"a lighthouse\"}, got "
          + describe(root));
    }
    Map<String, Object> params = new LinkedHashMap<>();
    Map<String, String> fields = new LinkedHashMap<>();
    Optional<String> workflow = Optional.empty();
    Optional<URI> webhook = Optional.empty();

    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String name = field.getKey();
      JsonNode value = field.getValue();
      if (PARAMETER_FIELDS.containsKey(name)) {
        String parameter = PARAMETER_FIELDS.get(name);
        params.put(parameter, wellKnown(parameter, name, value, limits));
        fields.put(parameter, name);
      } else if (name.equals("webhook_url")) {
        String url = text(name, value);
        // The original treated an empty webhook_url as "no webhook".
        webhook = url.isBlank() ? Optional.empty() : Optional.of(limits.webhooks().check(url));
      } else if (name.equals("workflow")) {
        String w = text(name, value);
        if (!WorkflowNames.isValid(w)) {
          throw HttpError.badRequest(WorkflowNames.problem(w));
        }
        workflow = Optional.of(w);
      } else if (name.equals("params")) {
        if (!value.isObject()) {
          throw HttpError.badRequest("params must be a JSON object of parameter values, got " + describe(value));
        }
        for (Iterator<Map.Entry<String, JsonNode>> p = value.fields(); p.hasNext(); ) {
          Map.Entry<String, JsonNode> param = p.next();
          String parameter = param.getKey();
          String where = "params." + parameter;
          if (PARAMETER_FIELDS.containsValue(parameter) && root.has(field(parameter))) {
            throw HttpError.badRequest(where + " conflicts with the top-level field '" + field(parameter)
                + "'; give the value once");
          }
          Object v = PARAMETER_FIELDS.containsValue(parameter)
              ? wellKnown(parameter, where, param.getValue(), limits)
              : scalar(where, param.getValue());
          params.put(parameter, v);
          fields.put(parameter, where);
        }
      } else {
        String suggestion = ServerConfig.didYouMean(name, ALLOWED_FIELDS);
        throw HttpError.badRequest("unknown field '" + WorkflowNames.printable(name) + "'"
            + (suggestion.isEmpty() ? "" : "; did you mean '" + suggestion + "'?")
            + " Allowed fields: " + String.join(", ", ALLOWED_FIELDS)
            + "; other workflow parameters go in \"params\"");
      }
    }
    return new GenerateBody(workflow, params, fields, webhook);
  }

  /** The top-level field for a well-known parameter name ({@code imageCount → image_count}). */
  static String field(String parameter) {
    for (Map.Entry<String, String> e : PARAMETER_FIELDS.entrySet()) {
      if (e.getValue().equals(parameter)) {
        return e.getKey();
      }
    }
    return parameter;
  }

  private static JsonNode readTree(byte[] body) {
    if (body.length == 0 || new String(body, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
      throw HttpError.badRequest("request body is empty; send a JSON object such as {\"prompt\": \"a lighthouse\"}");
    }
    try {
      JsonNode root = ServerJson.MAPPER.readTree(body);
      if (root == null || root.isMissingNode()) {
        throw HttpError.badRequest("request body is empty; send a JSON object such as {\"prompt\": \"a lighthouse\"}");
      }
      return root;
    } catch (JsonProcessingException e) {
      throw HttpError.badRequest("request body is not valid JSON: " + jsonProblem(e));
    } catch (IOException e) {
      throw HttpError.badRequest("request body is not valid JSON: " + e.getMessage());
    }
  }

  private static String jsonProblem(JacksonException e) {
    String message = e.getOriginalMessage();
    // Keep the first line only: Jackson appends hints that quote the input.
    int newline = message.indexOf('\n');
    if (newline >= 0) {
      message = message.substring(0, newline);
    }
    if (message.length() > 200) {
      message = message.substring(0, 200) + "…";
    }
    JsonLocation location = e.getLocation();
    return location == null ? message
        : message + " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
  }

  private static Object wellKnown(String parameter, String where, JsonNode value, Limits limits) {
    switch (parameter) {
      case "prompt": {
        String prompt = text(where, value);
        if (prompt.isBlank()) {
          // The original's exact message.
          throw HttpError.badRequest("prompt cannot be empty");
        }
        int length = prompt.codePointCount(0, prompt.length());
        if (length > limits.maxPromptLength()) {
          throw HttpError.badRequest(where + " is too long: " + length + " characters, at most "
              + limits.maxPromptLength() + " allowed (COMFYLITE_MAX_PROMPT_LENGTH)");
        }
        return prompt;
      }
      case "imageCount":
      case "width":
      case "height": {
        Range range = limits.range(parameter).orElseThrow();
        return integer(where, value, range.min(), range.max(), range.setting());
      }
      default: {
        BigInteger seed = bigInteger(where, value);
        if (seed.signum() < 0 || seed.compareTo(MAX_SEED) > 0) {
          throw HttpError.badRequest(where + " must be between 0 and " + MAX_SEED + ", got " + seed);
        }
        return seed.bitLength() < 63 ? (Object) seed.longValue() : seed;
      }
    }
  }

  private static String text(String where, JsonNode value) {
    if (!value.isTextual()) {
      throw HttpError.badRequest(where + " must be a string, got " + describe(value));
    }
    return value.textValue();
  }

  private static int integer(String where, JsonNode value, int min, int max, String variable) {
    BigInteger n = bigInteger(where, value);
    if (n.compareTo(BigInteger.valueOf(min)) < 0 || n.compareTo(BigInteger.valueOf(max)) > 0) {
      throw HttpError.badRequest(where + " must be between " + min + " and " + max + ", got " + n
          + (n.compareTo(BigInteger.valueOf(max)) > 0 ? " (the maximum is " + variable + ")" : ""));
    }
    return n.intValue();
  }

  private static BigInteger bigInteger(String where, JsonNode value) {
    if (value.isIntegralNumber()) {
      return value.bigIntegerValue();
    }
    if (value.isNumber()) {
      throw HttpError.badRequest(where + " must be a whole number, got " + value.asText());
    }
    throw HttpError.badRequest(where + " must be an integer, got " + describe(value));
  }

  /** A free parameter value: a string, number or boolean, as the workflow's parameter types allow. */
  private static Object scalar(String where, JsonNode value) {
    switch (value.getNodeType()) {
      case STRING:
        return value.textValue();
      case BOOLEAN:
        return value.booleanValue();
      case NUMBER:
        if (value.isIntegralNumber()) {
          return value.canConvertToInt() ? (Object) value.intValue()
              : value.canConvertToLong() ? (Object) value.longValue() : value.bigIntegerValue();
        }
        return value.doubleValue();
      default:
        throw HttpError.badRequest(where + " must be a string, number or boolean, got " + describe(value));
    }
  }

  /** A short description of a JSON value's type for messages, never its content. */
  static String describe(JsonNode value) {
    JsonNodeType type = value.getNodeType();
    switch (type) {
      case NULL:
        return "null";
      case ARRAY:
        return "an array";
      case OBJECT:
        return "an object";
      case BOOLEAN:
        return "a boolean (" + value.booleanValue() + ")";
      case NUMBER:
        return "a number (" + value.asText() + ")";
      case STRING:
        return "a string";
      default:
        return type.name().toLowerCase(java.util.Locale.ROOT);
    }
  }
}
