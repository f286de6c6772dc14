package io.github.comfylite.workflow;

import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What one parameter of a workflow accepts and where it goes, as declared in the workflow's mapping file.
 *
 * @param name the parameter's name, as callers pass it (for example {@code prompt} or {@code imageCount})
 * @param type the values it accepts
 * @param defaultValue the value used when the caller passes none: the mapping's {@code default}, or else the value the
 *     template already holds at the first target; empty for image parameters, required parameters and random seeds
 * @param min the smallest allowed value (integer and number parameters)
 * @param max the largest allowed value (integer and number parameters)
 * @param allowedValues the only values accepted, when the mapping lists them; empty when any value of the type is
 *     accepted
 * @param randomWhenAbsent whether a random seed in [0, 2^53) is generated when the caller passes none
 * @param targets the node inputs the value is written to, in mapping order (at least one)
 * @param description a human description from the mapping file
 * @param required whether callers must pass a value (the mapping's {@code required: true})
 */
public record ParameterSpec(
    String name,
    ParameterType type,
    Optional<Object> defaultValue,
    Optional<BigDecimal> min,
    Optional<BigDecimal> max,
    List<Object> allowedValues,
    boolean randomWhenAbsent,
    List<NodeTarget> targets,
    Optional<String> description,
    boolean required) {

  /**
   * Checks every part and copies the lists.
   *
   * @param name the parameter's name, as callers pass it (for example {@code prompt} or {@code imageCount})
   * @param type the values it accepts
   * @param defaultValue the value used when the caller passes none: the mapping's {@code default}, or else the value
   *     the template already holds at the first target; empty for image parameters, required parameters and random
   *     seeds
   * @param min the smallest allowed value (integer and number parameters)
   * @param max the largest allowed value (integer and number parameters)
   * @param allowedValues the only values accepted, when the mapping lists them; empty when any value of the type is
   *     accepted
   * @param randomWhenAbsent whether a random seed in [0, 2^53) is generated when the caller passes none
   * @param targets the node inputs the value is written to, in mapping order (at least one)
   * @param description a human description from the mapping file
   * @param required whether callers must pass a value (the mapping's {@code required: true})
   */
  public ParameterSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(defaultValue, "defaultValue");
    Objects.requireNonNull(min, "min");
    Objects.requireNonNull(max, "max");
    allowedValues = List.copyOf(allowedValues);
    targets = List.copyOf(targets);
    Objects.requireNonNull(description, "description");
  }

  /**
   * Creates an optional parameter (one callers may leave out).
   *
   * @param name the parameter's name
   * @param type the values it accepts
   * @param defaultValue the value used when the caller passes none
   * @param min the smallest allowed value
   * @param max the largest allowed value
   * @param allowedValues the only values accepted, or empty for any value of the type
   * @param randomWhenAbsent whether a random seed is generated when the caller passes none
   * @param targets the node inputs the value is written to
   * @param description a human description
   */
  public ParameterSpec(String name, ParameterType type, Optional<Object> defaultValue, Optional<BigDecimal> min,
      Optional<BigDecimal> max, List<Object> allowedValues, boolean randomWhenAbsent, List<NodeTarget> targets,
      Optional<String> description) {
    this(name, type, defaultValue, min, max, allowedValues, randomWhenAbsent, targets, description, false);
  }
}
