package io.github.comfylite.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.comfylite.errors.WorkflowException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One loaded workflow: an immutable snapshot of a template and its mapping, as they were when the files were last
 * read. Safe to share between threads. Obtain one from {@link WorkflowManager#workflow(String)}; a later change to the
 * files gives a new snapshot and leaves this one as it was.
 */
public final class Workflow {
  /** Random seeds stay below 2^53 so that JavaScript clients and JSON tools that use doubles read them exactly. */
  static final long RANDOM_SEED_BOUND = 1L << 53;

  private final String name;
  private final Path templateFile;
  private final Path configFile;
  private final Optional<String> description;
  private final ObjectNode template;
  private final Map<String, Binding> bindings;
  private final List<ParameterSpec> parameters;
  private final List<OutputNode> outputs;
  private final boolean producesImages;
  private final Set<String> classTypes;

  /** A parameter ready for building: its spec, and its explicit default as a JSON node (or null). */
  static final class Binding {
    final ParameterSpec spec;
    final JsonNode explicitDefault;

    Binding(ParameterSpec spec, JsonNode explicitDefault) {
      this.spec = spec;
      this.explicitDefault = explicitDefault;
    }
  }

  Workflow(String name, Path templateFile, Path configFile, Optional<String> description, ObjectNode template,
      List<Binding> bindings, List<OutputNode> outputs, boolean producesImages) {
    this.name = name;
    this.templateFile = templateFile;
    this.configFile = configFile;
    this.description = description;
    this.template = template;
    Map<String, Binding> byName = new LinkedHashMap<>();
    List<ParameterSpec> specs = new ArrayList<>();
    for (Binding binding : bindings) {
      byName.put(binding.spec.name(), binding);
      specs.add(binding.spec);
    }
    this.bindings = Collections.unmodifiableMap(byName);
    this.parameters = List.copyOf(specs);
    this.outputs = List.copyOf(outputs);
    this.producesImages = producesImages;
    Set<String> types = new LinkedHashSet<>();
    for (Iterator<JsonNode> nodes = template.elements(); nodes.hasNext(); ) {
      types.add(nodes.next().get("class_type").textValue());
    }
    this.classTypes = Collections.unmodifiableSet(types);
  }

  /**
   * The workflow's name: the file name of its template and mapping without the extension.
   *
   * @return the name callers pass to select this workflow, e.g. {@code starter}
   */
  public String name() {
    return name;
  }

  /**
   * The mapping file's {@code description}, if it has one.
   *
   * @return the human description, or empty when the mapping file has none
   */
  public Optional<String> description() {
    return description;
  }

  /**
   * The parameters callers may pass, in the order of the mapping file.
   *
   * @return an unmodifiable list, possibly empty
   */
  public List<ParameterSpec> parameters() {
    return parameters;
  }

  /**
   * The parameter with this name, if the workflow has one.
   *
   * @param name the parameter's name, as callers pass it (case-sensitive)
   * @return the parameter's specification, or empty when the workflow has no parameter of that name
   */
  public Optional<ParameterSpec> parameter(String name) {
    Binding binding = bindings.get(Objects.requireNonNull(name, "name"));
    return binding == null ? Optional.empty() : Optional.of(binding.spec);
  }

  /**
   * The nodes whose images are results, as declared under {@code outputs:} or detected by class type.
   *
   * @return an unmodifiable list of the output nodes, in template order
   */
  public List<OutputNode> outputs() {
    return outputs;
  }

  /**
   * Whether a run is expected to yield images. False only when the mapping says {@code produces_images: false}; a
   * finished prompt of such a workflow with no images is then a success rather than a failure.
   *
   * @return false only for mappings with {@code produces_images: false}
   */
  public boolean producesImages() {
    return producesImages;
  }

  /**
   * The {@code class_type} of every node, in template order (for checking against a server's node classes).
   *
   * @return an unmodifiable set of node class names, e.g. {@code KSampler}
   */
  public Set<String> classTypes() {
    return classTypes;
  }

  /**
   * A fresh copy of the template as loaded, without any parameter applied. The caller owns the copy.
   *
   * @return a deep copy of the API-format graph, safe to modify
   */
  public ObjectNode template() {
    return template.deepCopy();
  }

  /**
   * The template file this snapshot was read from.
   *
   * @return the path of the {@code NAME.json} template
   */
  public Path templateFile() {
    return templateFile;
  }

  /**
   * The mapping file this snapshot was read from.
   *
   * @return the path of the {@code NAME.yaml} mapping file
   */
  public Path configFile() {
    return configFile;
  }

  /**
   * Builds one request's graph: a copy of the template with every parameter applied.
   *
   * @throws WorkflowException for an unknown parameter, a missing required one, or a value of the wrong type or out of
   *     range
   */
  BuiltWorkflow build(Map<String, ?> params) {
    Objects.requireNonNull(params, "params");
    for (String key : params.keySet()) {
      if (key == null) {
        throw new IllegalArgumentException("parameter names must not be null");
      }
      if (!bindings.containsKey(key)) {
        throw new WorkflowException(name, configFile, key, "workflow '" + name + "' has no parameter '" + key
            + "' (its parameters: " + Suggestions.list(bindings.keySet()) + ")"
            + Suggestions.didYouMean(key, bindings.keySet()));
      }
    }
    ObjectNode graph = template.deepCopy();
    Map<String, Object> applied = new LinkedHashMap<>();
    List<ImageUpload> uploads = new ArrayList<>(0);
    for (Binding binding : bindings.values()) {
      ParameterSpec spec = binding.spec;
      Object raw = params.get(spec.name());
      if (raw instanceof JsonNode) {
        // Values straight from a parsed JSON request: scalars become their Java value, JSON null means absent.
        JsonNode node = (JsonNode) raw;
        raw = node.isNull() || node.isMissingNode() ? null : ParameterValues.fromNode(node).orElse(raw);
      }
      if (raw == null) {
        if (spec.randomWhenAbsent()) {
          Object seed = randomSeed(spec);
          set(graph, spec.targets(), ParameterValues.toNode(seed));
          applied.put(spec.name(), seed);
        } else if (spec.required()) {
          throw new WorkflowException(name, configFile, spec.name(),
              "parameter '" + spec.name() + "' of workflow '" + name + "' is required");
        } else if (binding.explicitDefault != null) {
          set(graph, spec.targets(), binding.explicitDefault);
          applied.put(spec.name(), spec.defaultValue().orElseThrow());
        } else {
          spec.defaultValue().ifPresent(value -> applied.put(spec.name(), value));
        }
        continue;
      }
      Object value;
      try {
        value = ParameterValues.coerce(spec.type(), raw);
        ParameterValues.checkLimits(value, spec.min(), spec.max(), spec.allowedValues());
      } catch (ParameterValues.BadValue e) {
        throw new WorkflowException(name, configFile, spec.name(),
            "parameter '" + spec.name() + "' of workflow '" + name + "' " + e.getMessage());
      }
      applied.put(spec.name(), value);
      if (value instanceof ImageInput) {
        uploads.add(new ImageUpload(spec.name(), (ImageInput) value, spec.targets()));
      } else {
        set(graph, spec.targets(), ParameterValues.toNode(value));
      }
    }
    return new BuiltWorkflow(name, graph, applied, outputs, producesImages, uploads);
  }

  static void set(ObjectNode graph, List<NodeTarget> targets, JsonNode value) {
    for (int i = 0, n = targets.size(); i < n; i++) {
      NodeTarget target = targets.get(i);
      ((ObjectNode) graph.get(target.nodeId()).get("inputs")).set(target.input(), value);
    }
  }

  private static Object randomSeed(ParameterSpec spec) {
    long low = 0;
    long high = RANDOM_SEED_BOUND - 1;
    if (spec.min().isPresent()) {
      low = Math.max(low, clamp(spec.min().get()));
    }
    if (spec.max().isPresent()) {
      high = Math.min(high, clamp(spec.max().get()));
    }
    if (high < low) {
      // The loader rejects such limits; stay within them anyway rather than invent a value outside.
      return low;
    }
    return low + ThreadLocalRandom.current().nextLong(high - low + 1);
  }

  private static long clamp(BigDecimal limit) {
    BigInteger whole = limit.toBigInteger();
    if (whole.compareTo(BigInteger.ZERO) < 0) {
      return 0;
    }
    return whole.compareTo(BigInteger.valueOf(RANDOM_SEED_BOUND - 1)) > 0 ? RANDOM_SEED_BOUND - 1 : whole.longValue();
  }

  @Override
  public String toString() {
    return "Workflow[" + name + ", parameters=" + bindings.keySet() + ", outputs=" + outputs + "]";
  }
}
