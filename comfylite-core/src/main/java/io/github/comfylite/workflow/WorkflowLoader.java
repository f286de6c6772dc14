package io.github.comfylite.workflow;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.comfylite.errors.WorkflowException;
import io.github.comfylite.internal.Json;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads one workflow's template and mapping file and checks them against each other. Every problem becomes a
 * {@link WorkflowException} whose message starts with the file and the key at fault.
 */
final class WorkflowLoader {
  static final Set<String> TOP_LEVEL_KEYS = Set.of("description", "node_mappings", "outputs", "produces_images");
  static final Set<String> PARAMETER_KEYS = Set.of("node_id", "node_title", "property", "targets", "type", "default",
      "min", "max", "allowed", "values", "description", "required");
  static final Set<String> TARGET_KEYS = Set.of("node_id", "node_title", "property");
  static final Set<String> OUTPUT_KEYS = Set.of("node_id", "node_title", "kind");
  private static final Set<String> UI_FORMAT_KEYS = Set.of("nodes", "links", "last_node_id", "last_link_id");
  private static final Map<String, OutputKind> KNOWN_OUTPUTS = Map.of(
      "SaveImage", OutputKind.FILE,
      "PreviewImage", OutputKind.FILE,
      "SaveImageWebsocket", OutputKind.WEBSOCKET);
  private static final Map<String, String> TYPE_ALIASES = Map.of(
      "int", "integer", "long", "integer", "float", "number", "double", "number", "decimal", "number",
      "str", "string", "text", "string", "bool", "boolean");

  private static final Pattern SOURCE = Pattern.compile("\\[Source: [^;]*; ");

  private final String name;
  private final Path templateFile;
  private final Path configFile;
  private ObjectNode template;

  private WorkflowLoader(String name, Path templateFile, Path configFile) {
    this.name = name;
    this.templateFile = templateFile;
    this.configFile = configFile;
  }

  /** Loads and checks the pair of files. */
  static Workflow load(String name, Path templateFile, Path configFile) {
    return new WorkflowLoader(name, templateFile, configFile).load();
  }

  private Workflow load() {
    template = readTemplate();
    JsonNode config = readConfig();
    Optional<String> description = optionalText(config, "description", "description");
    List<Workflow.Binding> bindings = new ArrayList<>();
    JsonNode mappings = config.get("node_mappings");
    if (mappings != null && !mappings.isNull()) {
      if (!mappings.isObject()) {
        throw configError("node_mappings", "must be a mapping of parameter names to node inputs, got "
            + kind(mappings));
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = mappings.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> entry = it.next();
        bindings.add(parameter(entry.getKey(), entry.getValue()));
      }
    }
    boolean producesImages = true;
    JsonNode produces = config.get("produces_images");
    if (produces != null) {
      if (!produces.isBoolean()) {
        throw configError("produces_images", "must be true or false, got " + kind(produces));
      }
      producesImages = produces.booleanValue();
    }
    List<OutputNode> outputs = outputs(config.get("outputs"));
    if (outputs.isEmpty() && producesImages) {
      throw new WorkflowException(name, templateFile, "outputs", templateFile + ": has no image output node ("
          + String.join(", ", KNOWN_OUTPUTS.keySet().stream().sorted().toList()) + "); list its output nodes under "
          + "outputs: in " + configFile + ", or set produces_images: false there if it yields no images");
    }
    return new Workflow(name, templateFile, configFile, description, template, bindings, outputs, producesImages);
  }

  // ---------------------------------------------------------------------------------------------- template

  private ObjectNode readTemplate() {
    byte[] bytes = read(templateFile);
    JsonNode root;
    try {
      root = Json.JSON.reader().with(StreamReadFeature.STRICT_DUPLICATE_DETECTION).readTree(bytes);
    } catch (JsonProcessingException e) {
      throw new WorkflowException(name, templateFile, null,
          templateFile + ": is not valid JSON: " + parseProblem(e), e);
    } catch (IOException e) {
      throw new WorkflowException(name, templateFile, null, templateFile + ": cannot be read: " + e.getMessage(), e);
    }
    if (root == null || root.isMissingNode()) {
      throw templateError(null, "is empty; expected a ComfyUI API-format workflow (use \"Export (API)\" in ComfyUI)");
    }
    if (!root.isObject()) {
      throw templateError(null, "must be a JSON object of nodes (ComfyUI API format), got " + kind(root));
    }
    Set<String> uiKeys = new LinkedHashSet<>();
    root.fieldNames().forEachRemaining(key -> {
      if (UI_FORMAT_KEYS.contains(key)) {
        uiKeys.add(key);
      }
    });
    if (!uiKeys.isEmpty()) {
      throw templateError(null, "is a ComfyUI UI-format workflow (it has top-level " + quoteAll(uiKeys) + "), which "
          + "ComfyUI's /prompt does not accept; open it in ComfyUI, use \"Export (API)\" in the Workflow menu and "
          + "save that file as " + templateFile.getFileName());
    }
    if (root.isEmpty()) {
      throw templateError(null, "has no nodes");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      String id = entry.getKey();
      JsonNode node = entry.getValue();
      if (!node.isObject()) {
        throw templateError(quote(id), "must be a node object with class_type and inputs, got " + kind(node)
            + "; is this an API-format export (\"Export (API)\" in ComfyUI)?");
      }
      JsonNode classType = node.get("class_type");
      if (classType == null || !classType.isTextual() || classType.textValue().isBlank()) {
        throw templateError(quote(id) + ".class_type", "every node needs a string class_type"
            + "; is this an API-format export (\"Export (API)\" in ComfyUI)?");
      }
      JsonNode inputs = node.get("inputs");
      if (inputs == null || !inputs.isObject()) {
        throw templateError(quote(id) + ".inputs", "every node needs an inputs object, got " + kind(inputs));
      }
    }
    return (ObjectNode) root;
  }

  // ---------------------------------------------------------------------------------------------- config

  private JsonNode readConfig() {
    byte[] bytes = read(configFile);
    JsonNode root;
    try {
      root = Json.YAML.readTree(bytes);
    } catch (JsonProcessingException e) {
      throw new WorkflowException(name, configFile, null, configFile + ": is not valid YAML: " + parseProblem(e), e);
    } catch (IOException e) {
      throw new WorkflowException(name, configFile, null, configFile + ": cannot be read: " + e.getMessage(), e);
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      throw configError(null, "is empty; it needs at least node_mappings: (use node_mappings: {} for none)");
    }
    if (!root.isObject()) {
      throw configError(null, "must be a mapping with node_mappings, got " + kind(root));
    }
    checkKeys(root, "", TOP_LEVEL_KEYS);
    return root;
  }

  private Workflow.Binding parameter(String parameter, JsonNode node) {
    String key = "node_mappings." + parameter;
    if (parameter.isBlank()) {
      throw configError(key, "a parameter name must not be blank");
    }
    if (node == null || !node.isObject()) {
      throw configError(key, "must be a mapping with node_id (or node_title) and property, or targets, got "
          + kind(node));
    }
    checkKeys(node, key + ".", PARAMETER_KEYS);
    List<NodeTarget> targets = targets(key, node);

    ParameterType type;
    Optional<String> typeName = optionalText(node, "type", key + ".type");
    if (typeName.isPresent()) {
      type = parseType(key + ".type", typeName.get());
    } else {
      type = inferType(key, targets.get(0));
    }
    for (NodeTarget target : targets) {
      checkTypeFits(key, type, target);
    }

    Optional<BigDecimal> min = limit(key, node, "min", type);
    Optional<BigDecimal> max = limit(key, node, "max", type);
    if (min.isPresent() && max.isPresent() && min.get().compareTo(max.get()) > 0) {
      throw configError(key + ".max", "must not be below min (" + min.get().toPlainString() + "), got "
          + max.get().toPlainString());
    }

    List<Object> allowed = allowed(key, node, type);

    boolean required = false;
    JsonNode requiredNode = node.get("required");
    if (requiredNode != null) {
      if (!requiredNode.isBoolean()) {
        throw configError(key + ".required", "must be true or false, got " + kind(requiredNode));
      }
      required = requiredNode.booleanValue();
    }

    boolean random = false;
    Object explicitDefault = null;
    JsonNode defaultNode = node.get("default");
    if (defaultNode != null && !defaultNode.isNull()) {
      if (required) {
        throw configError(key + ".default", "a required parameter cannot have a default; remove one of the two");
      }
      if (type == ParameterType.INTEGER && defaultNode.isTextual() && defaultNode.textValue().equals("random")) {
        random = true;
      } else {
        Optional<Object> value = ParameterValues.fromNode(defaultNode);
        if (value.isEmpty()) {
          throw configError(key + ".default", "must be a single " + type.yamlName() + " value, got "
              + kind(defaultNode));
        }
        try {
          explicitDefault = ParameterValues.coerce(type, value.get());
          ParameterValues.checkLimits(explicitDefault, min, max, allowed);
        } catch (ParameterValues.BadValue e) {
          throw configError(key + ".default", e.getMessage()
              + (type == ParameterType.INTEGER ? " (or random for a random seed)" : ""));
        }
      }
    } else if (parameter.equals("seed") && type == ParameterType.INTEGER && !required) {
      // The original always sent the template's fixed seed, so every run gave the same image; a seed that is not
      // given is random instead, unless the mapping states a default.
      random = true;
    }
    if (random) {
      checkRandomFits(key, defaultNode != null && !defaultNode.isNull(), min, max);
    }

    Optional<Object> defaultValue;
    if (explicitDefault != null) {
      defaultValue = Optional.of(explicitDefault);
    } else if (random || required || type == ParameterType.IMAGE) {
      defaultValue = Optional.empty();
    } else {
      NodeTarget first = targets.get(0);
      defaultValue = ParameterValues.fromNode(inputs(first.nodeId()).get(first.input()));
      if (defaultValue.isPresent()) {
        try {
          defaultValue = Optional.of(ParameterValues.coerce(type, defaultValue.get()));
        } catch (ParameterValues.BadValue e) {
          defaultValue = Optional.empty();
        }
      }
    }
    Optional<String> description = optionalText(node, "description", key + ".description");
    ParameterSpec spec = new ParameterSpec(parameter, type, defaultValue, min, max, allowed, random, targets,
        description, required);
    return new Workflow.Binding(spec, explicitDefault == null ? null : ParameterValues.toNode(explicitDefault));
  }

  /**
   * Rejects limits that exclude every random value, under the key that asked for randomness ({@code default: random})
   * or, for a seed that is random because it has no default, under the limit that excludes it.
   */
  private void checkRandomFits(String key, boolean explicit, Optional<BigDecimal> min, Optional<BigDecimal> max) {
    String limitKey;
    String limit;
    if (max.isPresent() && max.get().signum() < 0) {
      limitKey = "max";
      limit = "max " + max.get().toPlainString();
    } else if (min.isPresent() && min.get().compareTo(BigDecimal.valueOf(Workflow.RANDOM_SEED_BOUND - 1)) > 0) {
      limitKey = "min";
      limit = "min " + min.get().toPlainString();
    } else {
      return;
    }
    if (explicit) {
      throw configError(key + ".default", "random values lie in [0, 2^53), which " + limit + " excludes; widen the"
          + " limits or give a fixed default");
    }
    throw configError(key + "." + limitKey, "excludes every random value: a seed without a default is random in"
        + " [0, 2^53) when a request gives none, and " + limit + " leaves no such value; give a default or widen "
        + limitKey);
  }

  private List<NodeTarget> targets(String key, JsonNode node) {
    JsonNode targets = node.get("targets");
    boolean single = node.has("node_id") || node.has("node_title") || node.has("property");
    if (targets != null) {
      if (single) {
        throw configError(key, "has both targets and node_id/node_title/property; use one form or the other");
      }
      if (!targets.isArray()) {
        throw configError(key + ".targets", "must be a list of {node_id or node_title, property}, got "
            + kind(targets));
      }
      if (targets.isEmpty()) {
        throw configError(key + ".targets", "is empty; it must have at least one target, a mapping with node_id"
            + " (or node_title) and property");
      }
      List<NodeTarget> result = new ArrayList<>();
      for (int i = 0; i < targets.size(); i++) {
        String itemKey = key + ".targets[" + i + "]";
        JsonNode item = targets.get(i);
        if (!item.isObject()) {
          throw configError(itemKey, "must be a mapping with node_id (or node_title) and property, got "
              + kind(item));
        }
        checkKeys(item, itemKey + ".", TARGET_KEYS);
        NodeTarget target = target(itemKey, item);
        if (result.contains(target)) {
          throw configError(itemKey, "repeats target node " + quote(target.nodeId()) + " input "
              + quote(target.input()));
        }
        result.add(target);
      }
      return result;
    }
    if (!single) {
      throw configError(key, "says nowhere to put the value: add node_id (or node_title) and property, or targets");
    }
    return List.of(target(key, node));
  }

  private NodeTarget target(String key, JsonNode node) {
    String nodeId = node(key, node);
    Optional<String> property = optionalText(node, "property", key + ".property");
    if (property.isEmpty()) {
      throw configError(key + ".property", "is missing: name the input of node " + quote(nodeId)
          + " to set; its inputs are: " + Suggestions.list(fieldNames(inputs(nodeId))));
    }
    JsonNode inputs = inputs(nodeId);
    String input = property.get();
    JsonNode current = inputs.get(input);
    if (current == null) {
      List<String> names = fieldNames(inputs);
      throw configError(key + ".property", "node " + quote(nodeId) + " (" + classType(nodeId) + ") in "
          + templateFile.getFileName() + " has no input " + quote(input) + " (its inputs: " + Suggestions.list(names)
          + ")" + Suggestions.didYouMean(input, names));
    }
    if (current.isArray()) {
      throw configError(key + ".property", "input " + quote(input) + " of node " + quote(nodeId) + " ("
          + classType(nodeId) + ") is a link from node " + current.path(0).asText("?") + "; setting a value there "
          + "would cut the link, so map a literal input instead");
    }
    return new NodeTarget(nodeId, input);
  }

  /** Resolves node_id or node_title to a node id of the template. */
  private String node(String key, JsonNode node) {
    JsonNode id = node.get("node_id");
    JsonNode title = node.get("node_title");
    if (id != null && title != null) {
      throw configError(key, "has both node_id and node_title; use one");
    }
    List<String> ids = fieldNames(template);
    if (id != null) {
      if (!(id.isTextual() || id.isIntegralNumber()) || id.asText().isBlank()) {
        throw configError(key + ".node_id", "must be a node id such as \"6\", got " + kind(id));
      }
      String nodeId = id.asText();
      if (!template.has(nodeId)) {
        throw configError(key + ".node_id", "node " + quote(nodeId) + " does not exist in "
            + templateFile.getFileName() + " (its nodes: " + Suggestions.list(ids) + ")"
            + Suggestions.didYouMean(nodeId, ids));
      }
      return nodeId;
    }
    if (title == null) {
      throw configError(key + ".node_id", "is missing: give node_id (or node_title)");
    }
    if (!title.isTextual() || title.textValue().isBlank()) {
      throw configError(key + ".node_title", "must be a node title (its _meta.title), got " + kind(title));
    }
    String wanted = title.textValue();
    List<String> matches = new ArrayList<>();
    Set<String> titles = new LinkedHashSet<>();
    for (String nodeId : ids) {
      JsonNode nodeTitle = template.get(nodeId).path("_meta").get("title");
      if (nodeTitle != null && nodeTitle.isTextual()) {
        titles.add(nodeTitle.textValue());
        if (nodeTitle.textValue().equals(wanted)) {
          matches.add(nodeId);
        }
      }
    }
    if (matches.isEmpty()) {
      throw configError(key + ".node_title", "no node in " + templateFile.getFileName() + " has the title "
          + quote(wanted) + " (titles: " + quoteAll(titles) + ")" + Suggestions.didYouMean(wanted, titles));
    }
    if (matches.size() > 1) {
      throw configError(key + ".node_title", "title " + quote(wanted) + " is ambiguous: nodes " + quoteAll(matches)
          + " all have it; rename one in ComfyUI and export again, or use node_id");
    }
    return matches.get(0);
  }

  private ParameterType parseType(String key, String text) {
    for (ParameterType type : ParameterType.values()) {
      if (type.yamlName().equals(text)) {
        return type;
      }
    }
    List<String> names = new ArrayList<>();
    for (ParameterType type : ParameterType.values()) {
      names.add(type.yamlName());
    }
    String alias = TYPE_ALIASES.get(text.toLowerCase(Locale.ROOT));
    String hint = alias != null ? "; did you mean '" + alias + "'?" : Suggestions.didYouMean(text, names);
    throw configError(key, "unknown type " + quote(text) + " (allowed: " + String.join(", ", names) + ")" + hint);
  }

  private ParameterType inferType(String key, NodeTarget target) {
    JsonNode value = inputs(target.nodeId()).get(target.input());
    if (value.isTextual()) {
      return ParameterType.STRING;
    }
    if (value.isIntegralNumber()) {
      return ParameterType.INTEGER;
    }
    if (value.isNumber()) {
      return ParameterType.NUMBER;
    }
    if (value.isBoolean()) {
      return ParameterType.BOOLEAN;
    }
    throw configError(key + ".type", "cannot be inferred: node " + quote(target.nodeId()) + " input "
        + quote(target.input()) + " holds " + kind(value) + "; add type: string, integer, number, boolean or image");
  }

  private void checkTypeFits(String key, ParameterType type, NodeTarget target) {
    JsonNode value = inputs(target.nodeId()).get(target.input());
    boolean fits;
    switch (type) {
      case STRING:
      case IMAGE:
        fits = value.isTextual();
        break;
      case INTEGER:
        fits = value.isIntegralNumber() || (value.isNumber() && isWhole(value));
        break;
      case NUMBER:
        fits = value.isNumber();
        break;
      case BOOLEAN:
        fits = value.isBoolean();
        break;
      default:
        throw new AssertionError(type);
    }
    if (!fits && !value.isNull()) {
      throw configError(key + ".type", "type " + type.yamlName() + " does not fit node " + quote(target.nodeId())
          + " (" + classType(target.nodeId()) + ") input " + quote(target.input()) + ", which holds "
          + kind(value) + " in " + templateFile.getFileName());
    }
  }

  private static boolean isWhole(JsonNode number) {
    double value = number.doubleValue();
    return !Double.isInfinite(value) && value == Math.rint(value);
  }

  private Optional<BigDecimal> limit(String key, JsonNode node, String field, ParameterType type) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return Optional.empty();
    }
    if (type != ParameterType.INTEGER && type != ParameterType.NUMBER) {
      throw configError(key + "." + field, "applies only to integer and number parameters, and this one is "
          + type.yamlName());
    }
    if (!value.isNumber()) {
      throw configError(key + "." + field, "must be a number, got " + kind(value));
    }
    BigDecimal limit = value.isBigDecimal() || value.isFloatingPointNumber() && !value.isDouble()
        ? value.decimalValue()
        : value.isIntegralNumber() ? new BigDecimal(value.bigIntegerValue()) : BigDecimal.valueOf(value.doubleValue());
    if (type == ParameterType.INTEGER && limit.signum() != 0 && limit.stripTrailingZeros().scale() > 0) {
      throw configError(key + "." + field, "must be a whole number for an integer parameter, got "
          + limit.toPlainString());
    }
    return Optional.of(limit);
  }

  private List<Object> allowed(String key, JsonNode node, ParameterType type) {
    JsonNode allowed = node.get("allowed");
    String field = "allowed";
    if (node.has("values")) {
      if (allowed != null) {
        throw configError(key, "has both allowed and values (the same thing); keep one");
      }
      allowed = node.get("values");
      field = "values";
    }
    if (allowed == null || allowed.isNull()) {
      return List.of();
    }
    if (type == ParameterType.IMAGE) {
      throw configError(key + "." + field, "does not apply to image parameters");
    }
    if (!allowed.isArray()) {
      throw configError(key + "." + field, "must be a list of " + type.yamlName() + " values, got " + kind(allowed));
    }
    if (allowed.isEmpty()) {
      throw configError(key + "." + field, "is empty; it must list at least one " + type.yamlName() + " value (leave "
          + field + " out to allow any)");
    }
    List<Object> values = new ArrayList<>();
    for (int i = 0; i < allowed.size(); i++) {
      Optional<Object> value = ParameterValues.fromNode(allowed.get(i));
      try {
        if (value.isEmpty()) {
          throw new ParameterValues.BadValue("must be a single " + type.yamlName() + " value, got "
              + kind(allowed.get(i)));
        }
        values.add(ParameterValues.coerce(type, value.get()));
      } catch (ParameterValues.BadValue e) {
        throw configError(key + "." + field + "[" + i + "]", e.getMessage());
      }
    }
    return values;
  }

  private List<OutputNode> outputs(JsonNode outputs) {
    List<OutputNode> result = new ArrayList<>();
    if (outputs == null || outputs.isNull()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = template.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> entry = it.next();
        String classType = entry.getValue().get("class_type").textValue();
        OutputKind kind = KNOWN_OUTPUTS.get(classType);
        if (kind != null) {
          result.add(new OutputNode(entry.getKey(), classType, kind));
        }
      }
      return result;
    }
    if (!outputs.isArray()) {
      throw configError("outputs", "must be a list of {node_id or node_title, kind}, got " + kind(outputs));
    }
    for (int i = 0; i < outputs.size(); i++) {
      String key = "outputs[" + i + "]";
      JsonNode item = outputs.get(i);
      if (!item.isObject()) {
        throw configError(key, "must be a mapping with node_id (or node_title) and kind, got " + kind(item));
      }
      checkKeys(item, key + ".", OUTPUT_KEYS);
      String nodeId = node(key, item);
      String classType = classType(nodeId);
      Optional<String> kindName = optionalText(item, "kind", key + ".kind");
      OutputKind kind;
      if (kindName.isPresent()) {
        kind = null;
        for (OutputKind candidate : OutputKind.values()) {
          if (candidate.yamlName().equals(kindName.get())) {
            kind = candidate;
          }
        }
        if (kind == null) {
          throw configError(key + ".kind", "unknown kind " + quote(kindName.get()) + " (allowed: file for images "
              + "saved as files and read from /history, websocket for SaveImageWebsocket-style binary frames)"
              + Suggestions.didYouMean(kindName.get(), List.of("file", "websocket")));
        }
      } else {
        kind = KNOWN_OUTPUTS.get(classType);
        if (kind == null) {
          throw configError(key + ".kind", "is needed: node " + quote(nodeId) + " is a " + classType
              + ", whose kind cannot be guessed; say kind: file or kind: websocket");
        }
      }
      for (OutputNode existing : result) {
        if (existing.nodeId().equals(nodeId)) {
          throw configError(key, "lists node " + quote(nodeId) + " twice");
        }
      }
      result.add(new OutputNode(nodeId, classType, kind));
    }
    return result;
  }

  // ---------------------------------------------------------------------------------------------- helpers

  private byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new WorkflowException(name, file, null, file + ": does not exist", e);
    } catch (IOException e) {
      throw new WorkflowException(name, file, null, file + ": cannot be read: " + e, e);
    }
  }

  private void checkKeys(JsonNode node, String prefix, Set<String> allowed) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!allowed.contains(key)) {
        List<String> sorted = allowed.stream().sorted().toList();
        throw configError(prefix + key, "unknown key " + quote(key) + " (allowed here: " + String.join(", ", sorted)
            + ")" + Suggestions.didYouMean(key, sorted));
      }
    }
  }

  private Optional<String> optionalText(JsonNode node, String field, String key) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return Optional.empty();
    }
    if (!value.isTextual()) {
      throw configError(key, "must be text, got " + kind(value));
    }
    return Optional.of(value.textValue());
  }

  private JsonNode inputs(String nodeId) {
    return template.get(nodeId).get("inputs");
  }

  private String classType(String nodeId) {
    return template.get(nodeId).get("class_type").textValue();
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private WorkflowException configError(String key, String detail) {
    return new WorkflowException(name, configFile, key,
        configFile + ": " + (key == null ? "" : key + ": ") + detail);
  }

  private WorkflowException templateError(String key, String detail) {
    return new WorkflowException(name, templateFile, key,
        templateFile + ": " + (key == null ? "" : key + ": ") + detail);
  }

  private static String parseProblem(JsonProcessingException e) {
    JsonLocation location = e.getLocation();
    String where = location == null || location.getLineNr() < 0 ? ""
        : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    // SnakeYAML spreads its message over lines with indented source excerpts; keep the unindented sentences.
    List<String> sentences = new ArrayList<>();
    for (String line : e.getOriginalMessage().split("\\R")) {
      if (!line.isBlank() && !Character.isWhitespace(line.charAt(0))) {
        sentences.add(line.strip());
      }
    }
    String message = String.join(": ", sentences);
    // Jackson names the (redacted) source inside nested locations; the file is already at the start of our message.
    return SOURCE.matcher(message).replaceAll("[") + where;
  }

  static String kind(JsonNode node) {
    if (node == null || node.isMissingNode()) {
      return "nothing";
    }
    if (node.isNull()) {
      return "null";
    }
    if (node.isObject()) {
      return "a mapping";
    }
    if (node.isArray()) {
      return "a list";
    }
    if (node.isTextual()) {
      String text = node.textValue();
      return "the text \"" + (text.length() > 40 ? text.substring(0, 40) + "…" : text) + "\"";
    }
    if (node.isBoolean()) {
      return "the boolean " + node.booleanValue();
    }
    if (node.isIntegralNumber()) {
      return "the whole number " + node.asText();
    }
    if (node.isNumber()) {
      return "the number " + node.asText();
    }
    return node.getNodeType().name().toLowerCase(Locale.ROOT);
  }

  private static String quote(String text) {
    return "\"" + text + "\"";
  }

  private static String quoteAll(Iterable<String> texts) {
    List<String> quoted = new ArrayList<>();
    texts.forEach(text -> quoted.add(quote(text)));
    return quoted.isEmpty() ? "(none)" : String.join(", ", quoted);
  }
}
