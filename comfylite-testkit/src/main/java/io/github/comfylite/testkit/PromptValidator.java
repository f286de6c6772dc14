package io.github.comfylite.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.comfylite.testkit.NodeCatalog.InputDef;
import io.github.comfylite.testkit.NodeCatalog.NodeClass;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * ComfyUI v0.3.64's {@code validate_prompt} / {@code validate_inputs}, reproduced with the same
 * error types, messages, details and {@code extra_info} shapes (protocol §9.3), including the
 * Python exceptions a malformed graph raises inside validation.
 */
final class PromptValidator {
    private static final Pattern PY_INT = Pattern.compile("[+-]?\\d(_?\\d)*");
    private static final Pattern PY_FLOAT = Pattern.compile(
            "[+-]?((\\d(_?\\d)*)(\\.(\\d(_?\\d)*)?)?|\\.\\d(_?\\d)*)([eE][+-]?\\d(_?\\d)*)?");
    private static final Pattern PY_SPECIAL_FLOAT = Pattern.compile("[+-]?(inf|infinity|nan)");

    /** What validation decided. */
    sealed interface Result permits Accepted, Rejected, Crashed {}

    /** The prompt is queued with these outputs; {@code nodeErrors} lists outputs that were dropped. */
    record Accepted(ObjectNode graph, List<String> outputs, ObjectNode nodeErrors) implements Result {}

    /** HTTP 400 with {@code {"error": error, "node_errors": nodeErrors}}. */
    record Rejected(JsonNode error, JsonNode nodeErrors) implements Result {}

    /** HTTP 500 text/plain: the server raised while validating (for example a UI-format graph). */
    record Crashed(String exception) implements Result {}

    /** A Python exception raised inside validation. */
    private static final class PyError extends Exception {
        private static final long serialVersionUID = 1L;
        final String type;

        PyError(String type, String message) {
            super(message, null, false, false);
            this.type = type;
        }
    }

    private record NodeResult(boolean valid, List<ObjectNode> reasons) {}

    private final NodeCatalog catalog;
    private final Predicate<String> inputFileExists;
    private ObjectNode graph;
    private final Map<String, NodeResult> validated = new LinkedHashMap<>();

    private PromptValidator(NodeCatalog catalog, Predicate<String> inputFileExists) {
        this.catalog = catalog;
        this.inputFileExists = inputFileExists;
    }

    /**
     * Validates a {@code prompt} value from a POST body.
     *
     * @param partialTargets {@code partial_execution_targets}, if the body had it
     */
    static Result validate(JsonNode prompt, Optional<List<String>> partialTargets, NodeCatalog catalog,
            Predicate<String> inputFileExists) {
        return new PromptValidator(catalog, inputFileExists).run(prompt, partialTargets);
    }

    private Result run(JsonNode prompt, Optional<List<String>> partialTargets) {
        if (!prompt.isObject()) {
            boolean empty = prompt.isArray() && prompt.isEmpty() || prompt.isTextual() && prompt.asText().isEmpty();
            if (empty) {
                return noOutputs();
            }
            return new Crashed("TypeError: the prompt is a " + pyType(prompt) + ", not an object of nodes");
        }
        graph = prompt.deepCopy();
        List<String> outputs = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> it = graph.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String id = e.getKey();
            JsonNode node = e.getValue();
            boolean hasClassType;
            if (node.isObject()) {
                hasClassType = node.has("class_type");
            } else if (node.isTextual()) {
                hasClassType = node.asText().contains("class_type");
            } else if (node.isArray()) {
                hasClassType = false;
                for (JsonNode el : node) {
                    hasClassType |= el.isTextual() && el.asText().equals("class_type");
                }
            } else {
                return new Crashed("TypeError: argument of type '" + pyType(node) + "' is not iterable");
            }
            if (!hasClassType) {
                return invalidPrompt("Cannot execute because a node is missing the class_type property.", id);
            }
            if (!node.isObject()) {
                return new Crashed("TypeError: " + pyType(node) + " indices must be integers");
            }
            JsonNode classType = node.get("class_type");
            if (classType.isContainerNode()) {
                return new Crashed("TypeError: unhashable type: '" + pyType(classType) + "'");
            }
            Optional<NodeClass> cls = classType.isTextual() ? catalog.get(classType.asText()) : Optional.empty();
            if (cls.isEmpty()) {
                return invalidPrompt("Cannot execute because node " + Py.str(classType) + " does not exist.", id);
            }
            if (cls.get().outputNode() && (partialTargets.isEmpty() || partialTargets.get().contains(id))) {
                outputs.add(id);
            }
        }
        if (outputs.isEmpty()) {
            return noOutputs();
        }

        List<String> good = new ArrayList<>();
        List<ObjectNode> outputErrors = new ArrayList<>();
        ObjectNode nodeErrors = Json.object();
        for (String o : outputs) {
            NodeResult r;
            try {
                r = validateInputs(o);
            } catch (PyError ex) {
                ObjectNode reason = error("exception_during_validation", "Exception when validating node",
                        ex.getMessage());
                ((ObjectNode) reason.get("extra_info")).put("exception_type", ex.type)
                        .set("traceback", traceback("validate_prompt"));
                r = new NodeResult(false, List.of(reason));
                validated.put(o, r);
            }
            if (r.valid()) {
                good.add(o);
                continue;
            }
            outputErrors.addAll(r.reasons());
            // As ComfyUI does: after each failed output, every invalid node validated so far gets
            // this output appended to its dependent_outputs.
            for (Map.Entry<String, NodeResult> v : validated.entrySet()) {
                if (!v.getValue().valid() && !v.getValue().reasons().isEmpty()) {
                    ObjectNode entry = (ObjectNode) nodeErrors.get(v.getKey());
                    if (entry == null) {
                        entry = nodeErrors.putObject(v.getKey());
                        ArrayNode errs = entry.putArray("errors");
                        v.getValue().reasons().forEach(errs::add);
                        entry.putArray("dependent_outputs");
                        entry.set("class_type", graph.get(v.getKey()).get("class_type"));
                    }
                    ((ArrayNode) entry.get("dependent_outputs")).add(o);
                }
            }
        }
        if (good.isEmpty()) {
            List<String> lines = new ArrayList<>();
            for (ObjectNode e : outputErrors) {
                lines.add(e.get("message").asText() + ": " + e.get("details").asText());
            }
            ObjectNode error = error("prompt_outputs_failed_validation", "Prompt outputs failed validation",
                    String.join("\n", lines));
            return new Rejected(error, nodeErrors);
        }
        return new Accepted(graph, List.copyOf(good), nodeErrors);
    }

    private NodeResult validateInputs(String id) throws PyError {
        NodeResult done = validated.get(id);
        if (done != null) {
            return done;
        }
        ObjectNode node = (ObjectNode) graph.get(id);
        NodeClass cls = catalog.get(node.get("class_type").asText()).orElseThrow();
        JsonNode inputsNode = node.get("inputs");
        if (inputsNode == null) {
            throw new PyError("KeyError", "'inputs'");
        }
        if (!inputsNode.isObject()) {
            throw new PyError("TypeError", pyType(inputsNode) + " indices must be integers or slices, not str");
        }
        ObjectNode inputs = (ObjectNode) inputsNode;
        List<ObjectNode> errors = new ArrayList<>();
        boolean valid = true;
        for (InputDef d : cls.inputs()) {
            String x = d.name();
            if (!inputs.has(x)) {
                if (d.group().equals("required")) {
                    ObjectNode e = error("required_input_missing", "Required input is missing", x);
                    ((ObjectNode) e.get("extra_info")).put("input_name", x);
                    errors.add(e);
                }
                continue;
            }
            JsonNode val = inputs.get(x);
            if (val.isArray()) {
                if (val.size() != 2) {
                    ObjectNode e = error("bad_linked_input",
                            "Bad linked input, must be a length-2 list of [node_id, slot_index]", x);
                    ((ObjectNode) e.get("extra_info")).put("input_name", x).<ObjectNode>set("input_config", d.config())
                            .set("received_value", val.deepCopy());
                    errors.add(e);
                    continue;
                }
                JsonNode source = val.get(0);
                if (source.isContainerNode()) {
                    throw new PyError("TypeError", "unhashable type: '" + pyType(source) + "'");
                }
                if (!source.isTextual() || !graph.has(source.asText())) {
                    throw new PyError("KeyError", Py.repr(source));
                }
                String sourceId = source.asText();
                NodeClass sourceClass = catalog.get(graph.get(sourceId).get("class_type").asText()).orElseThrow();
                JsonNode slot = val.get(1);
                if (!slot.isIntegralNumber() && !slot.isBoolean()) {
                    throw new PyError("TypeError", "tuple indices must be integers or slices, not " + pyType(slot));
                }
                long index = slot.isBoolean() ? (slot.booleanValue() ? 1 : 0) : slot.asLong();
                int n = sourceClass.outputs().size();
                if (index < -n || index >= n) {
                    throw new PyError("IndexError", "tuple index out of range");
                }
                String received = sourceClass.outputs().get((int) (index < 0 ? n + index : index));
                if (!typesMatch(received, d.type())) {
                    String details = x + ", received_type(" + received + ") mismatch input_type("
                            + Py.str(d.type()) + ")";
                    ObjectNode e = error("return_type_mismatch", "Return type mismatch between linked nodes", details);
                    ((ObjectNode) e.get("extra_info")).put("input_name", x).<ObjectNode>set("input_config", d.config())
                            .put("received_type", received).set("linked_node", val.deepCopy());
                    errors.add(e);
                    continue;
                }
                try {
                    if (!validateInputs(sourceId).valid()) {
                        valid = false;
                    }
                } catch (PyError ex) {
                    valid = false;
                    ObjectNode reason = error("exception_during_inner_validation",
                            "Exception when validating inner node", ex.getMessage());
                    ((ObjectNode) reason.get("extra_info")).put("input_name", x)
                            .<ObjectNode>set("input_config", d.config())
                            .put("exception_message", ex.getMessage())
                            .put("exception_type", ex.type)
                            .<ObjectNode>set("traceback", traceback("validate_inputs"))
                            .set("linked_node", val.deepCopy());
                    validated.put(sourceId, new NodeResult(false, List.of(reason)));
                }
                continue;
            }
            if (val.isObject() && val.has("__value__")) {
                val = val.get("__value__");
                inputs.set(x, val);
            }
            JsonNode coerced;
            try {
                coerced = coerce(d.typeName(), val);
            } catch (PyError ex) {
                ObjectNode e = error("invalid_input_type",
                        "Failed to convert an input value to a " + d.typeName() + " value",
                        x + ", " + Py.str(val) + ", " + ex.getMessage());
                ((ObjectNode) e.get("extra_info")).put("input_name", x).<ObjectNode>set("input_config", d.config())
                        .<ObjectNode>set("received_value", val.deepCopy()).put("exception_message", ex.getMessage());
                errors.add(e);
                continue;
            }
            inputs.set(x, coerced);
            val = coerced;
            if (cls.customValidation()) {
                continue; // VALIDATE_INPUTS takes over this input (LoadImage: image)
            }
            JsonNode min = d.options().get("min");
            if (min != null && val.isNumber() && decimal(val).compareTo(decimal(min)) < 0) {
                ObjectNode e = error("value_smaller_than_min",
                        "Value " + Py.str(val) + " smaller than min of " + Py.str(min), x);
                ((ObjectNode) e.get("extra_info")).put("input_name", x).<ObjectNode>set("input_config", d.config())
                        .set("received_value", val.deepCopy());
                errors.add(e);
                continue;
            }
            JsonNode max = d.options().get("max");
            if (max != null && val.isNumber() && decimal(val).compareTo(decimal(max)) > 0) {
                ObjectNode e = error("value_bigger_than_max",
                        "Value " + Py.str(val) + " bigger than max of " + Py.str(max), x);
                ((ObjectNode) e.get("extra_info")).put("input_name", x).<ObjectNode>set("input_config", d.config())
                        .set("received_value", val.deepCopy());
                errors.add(e);
                continue;
            }
            if (d.isCombo()) {
                JsonNode options = d.type().isArray() ? d.type() : d.options().path("options");
                if (!contains(options, val)) {
                    String listInfo;
                    JsonNode config;
                    if (options.size() > 20) {
                        listInfo = "(list of length " + options.size() + ")";
                        config = Json.F.nullNode();
                    } else {
                        listInfo = Py.repr(options);
                        config = d.config();
                    }
                    ObjectNode e = error("value_not_in_list", "Value not in list",
                            x + ": '" + Py.str(val) + "' not in " + listInfo);
                    ((ObjectNode) e.get("extra_info")).put("input_name", x).<ObjectNode>set("input_config", config)
                            .set("received_value", val.deepCopy());
                    errors.add(e);
                }
            }
        }
        if (cls.customValidation() && inputs.has("image")) {
            String image = Py.str(inputs.get("image"));
            if (!inputFileExists.test(image)) {
                ObjectNode e = error("custom_validation_failed", "Custom validation failed for node",
                        "image - Invalid image file: " + image);
                ((ObjectNode) e.get("extra_info")).put("input_name", "image");
                errors.add(e);
            }
        }
        NodeResult result = errors.isEmpty() && valid ? new NodeResult(true, List.of())
                : new NodeResult(false, List.copyOf(errors));
        validated.put(id, result);
        return result;
    }

    private static boolean typesMatch(String received, JsonNode inputType) {
        if (inputType.isTextual() && inputType.asText().equals(received)) {
            return true;
        }
        if (!inputType.isTextual()) {
            return false;
        }
        List<String> want = new ArrayList<>();
        for (String t : inputType.asText().split(",")) {
            want.add(t.strip());
        }
        if (want.contains("*")) {
            return true;
        }
        for (String t : received.split(",")) {
            if (want.contains(t.strip())) {
                return true;
            }
        }
        return false;
    }

    /** Python's {@code int(v)} / {@code float(v)} / {@code str(v)} / {@code bool(v)} on an input literal. */
    static JsonNode coerce(String type, JsonNode v) throws PyError {
        switch (type) {
            case "INT":
                return toInt(v);
            case "FLOAT":
                return toFloat(v);
            case "STRING":
                return Json.F.textNode(Py.str(v));
            case "BOOLEAN":
                return Json.F.booleanNode(truthy(v));
            default:
                return v;
        }
    }

    private static JsonNode toInt(JsonNode v) throws PyError {
        if (v.isIntegralNumber()) {
            return v;
        }
        if (v.isBoolean()) {
            return Json.F.numberNode(v.booleanValue() ? 1 : 0);
        }
        if (v.isNumber()) {
            double d = v.doubleValue();
            if (Double.isNaN(d)) {
                throw new PyError("ValueError", "cannot convert float NaN to integer");
            }
            if (Double.isInfinite(d)) {
                throw new PyError("OverflowError", "cannot convert float infinity to integer");
            }
            return intNode(new BigDecimal(d).toBigInteger());
        }
        if (v.isTextual()) {
            String s = v.asText().strip();
            if (PY_INT.matcher(s).matches()) {
                return intNode(new BigInteger(s.replace("_", "")));
            }
            throw new PyError("ValueError", "invalid literal for int() with base 10: " + Py.reprString(v.asText()));
        }
        throw new PyError("TypeError",
                "int() argument must be a string, a bytes-like object or a real number, not '" + pyType(v) + "'");
    }

    private static JsonNode toFloat(JsonNode v) throws PyError {
        if (v.isNumber()) {
            return Json.F.numberNode(v.doubleValue());
        }
        if (v.isBoolean()) {
            return Json.F.numberNode(v.booleanValue() ? 1.0 : 0.0);
        }
        if (v.isTextual()) {
            String s = v.asText().strip().toLowerCase(java.util.Locale.ROOT);
            if (PY_SPECIAL_FLOAT.matcher(s).matches()) {
                boolean negative = s.startsWith("-");
                return Json.F.numberNode(s.contains("nan") ? Double.NaN
                        : negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY);
            }
            if (PY_FLOAT.matcher(s).matches()) {
                return Json.F.numberNode(Double.parseDouble(s.replace("_", "")));
            }
            throw new PyError("ValueError", "could not convert string to float: " + Py.reprString(v.asText()));
        }
        throw new PyError("TypeError",
                "float() argument must be a string or a real number, not '" + pyType(v) + "'");
    }

    private static JsonNode intNode(BigInteger b) {
        return b.bitLength() < 64 ? Json.F.numberNode(b.longValue()) : Json.F.numberNode(b);
    }

    private static boolean truthy(JsonNode v) {
        if (v.isNull()) {
            return false;
        }
        if (v.isBoolean()) {
            return v.booleanValue();
        }
        if (v.isNumber()) {
            return v.doubleValue() != 0;
        }
        if (v.isTextual()) {
            return !v.asText().isEmpty();
        }
        return v.size() > 0;
    }

    private static boolean contains(JsonNode options, JsonNode val) {
        for (JsonNode o : options) {
            if (o.isNumber() && val.isNumber()) {
                if (decimal(o).compareTo(decimal(val)) == 0) {
                    return true;
                }
            } else if (o.equals(val)) {
                return true;
            }
        }
        return false;
    }

    private static BigDecimal decimal(JsonNode n) {
        if (n.isIntegralNumber()) {
            return new BigDecimal(n.bigIntegerValue());
        }
        double d = n.doubleValue();
        if (Double.isNaN(d)) {
            return BigDecimal.ZERO; // Python compares NaN as neither smaller nor bigger: never out of range
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? new BigDecimal("1e400") : new BigDecimal("-1e400");
        }
        return new BigDecimal(d);
    }

    static String pyType(JsonNode v) {
        if (v == null || v.isNull()) {
            return "NoneType";
        }
        if (v.isObject()) {
            return "dict";
        }
        if (v.isArray()) {
            return "list";
        }
        if (v.isTextual()) {
            return "str";
        }
        if (v.isBoolean()) {
            return "bool";
        }
        if (v.isIntegralNumber()) {
            return "int";
        }
        return "float";
    }

    private Result invalidPrompt(String message, String id) {
        return new Rejected(error("invalid_prompt", message, "Node ID '#" + id + "'"), Json.object());
    }

    private static Result noOutputs() {
        return new Rejected(error("prompt_no_outputs", "Prompt has no outputs", ""), Json.object());
    }

    static ObjectNode error(String type, String message, String details) {
        ObjectNode e = Json.object();
        e.put("type", type);
        e.put("message", message);
        e.put("details", details);
        e.putObject("extra_info");
        return e;
    }

    private static ArrayNode traceback(String where) {
        ArrayNode tb = Json.array();
        if (where.equals("validate_prompt")) {
            tb.add("  File \"ComfyUI/execution.py\", line 846, in validate_prompt\n    ...\n");
        }
        tb.add("  File \"ComfyUI/execution.py\", line 676, in validate_inputs\n    ...\n");
        return tb;
    }
}
