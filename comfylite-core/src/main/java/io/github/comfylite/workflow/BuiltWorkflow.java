package io.github.comfylite.workflow;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.github.comfylite.internal.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One request's graph: a private copy of a workflow's template with the request's parameters applied, ready to be sent
 * with {@link #toPromptRequest(String, String)}.
 *
 * <p>Not thread-safe: a built workflow belongs to the one submit that uses it. If the workflow has
 * {@link ParameterType#IMAGE image} parameters, upload each of {@link #pendingUploads()} to ComfyUI's
 * {@code /upload/image} first and record the stored name with {@link #applyUpload(ImageUpload, String)}.
 */
public final class BuiltWorkflow {
  private final String workflow;
  private final ObjectNode graph;
  private final Map<String, Object> parameters;
  private final List<OutputNode> outputs;
  private final boolean producesImages;
  private final List<ImageUpload> pendingUploads;

  BuiltWorkflow(String workflow, ObjectNode graph, Map<String, Object> parameters, List<OutputNode> outputs,
      boolean producesImages, List<ImageUpload> pendingUploads) {
    this.workflow = workflow;
    this.graph = graph;
    this.parameters = parameters;
    this.outputs = outputs;
    this.producesImages = producesImages;
    this.pendingUploads = pendingUploads;
  }

  /**
   * The name of the workflow this graph was built from.
   *
   * @return the workflow's name, as passed to {@link WorkflowManager#build(String, java.util.Map)}
   */
  public String workflow() {
    return workflow;
  }

  /**
   * The API-format graph itself (not a copy): node ids to {@code {class_type, inputs, _meta}}. Changes made here are
   * sent by {@link #toPromptRequest(String, String)}.
   *
   * @return the mutable graph this object sends
   */
  public ObjectNode graph() {
    return graph;
  }

  /**
   * The value applied for each parameter, in mapping order: the caller's values (normalized: whole numbers as
   * {@code Long} or {@code BigInteger}), defaults, generated seeds, and the template's own value for parameters left
   * at it. An image parameter maps to its {@link ImageInput} until uploaded, then to the stored name. Read-only.
   *
   * @return parameter name → the value applied to the graph
   */
  public Map<String, Object> parameters() {
    return Collections.unmodifiableMap(parameters);
  }

  /**
   * The nodes whose images are results.
   *
   * @return the output nodes of the workflow, possibly empty
   */
  public List<OutputNode> outputs() {
    return outputs;
  }

  /**
   * Whether a run is expected to yield images (see {@link Workflow#producesImages()}).
   *
   * @return false only when the mapping says {@code produces_images: false}
   */
  public boolean producesImages() {
    return producesImages;
  }

  /**
   * The image parameters still to upload, in mapping order; empty once all are applied. Read-only.
   *
   * @return the uploads to perform before the graph can be sent
   */
  public List<ImageUpload> pendingUploads() {
    return Collections.unmodifiableList(pendingUploads);
  }

  /**
   * Records where ComfyUI stored an uploaded image: sets {@code storedName} on every target of the upload (a LoadImage
   * node's {@code image} input) and removes it from {@link #pendingUploads()}.
   *
   * @param upload one of {@link #pendingUploads()}
   * @param storedName the name from the {@code /upload/image} reply ({@code subfolder/name} when a subfolder was
   *     used); it may differ from the name uploaded
   * @throws IllegalArgumentException if the upload is not pending on this graph, or the name is blank
   */
  public void applyUpload(ImageUpload upload, String storedName) {
    Objects.requireNonNull(upload, "upload");
    Objects.requireNonNull(storedName, "storedName");
    if (storedName.isBlank()) {
      throw new IllegalArgumentException("storedName must not be blank");
    }
    for (Iterator<ImageUpload> pending = pendingUploads.iterator(); pending.hasNext(); ) {
      ImageUpload candidate = pending.next();
      if (candidate.parameter().equals(upload.parameter())) {
        Workflow.set(graph, candidate.targets(), TextNode.valueOf(storedName));
        parameters.put(candidate.parameter(), storedName);
        pending.remove();
        return;
      }
    }
    throw new IllegalArgumentException("no upload is pending for parameter '" + upload.parameter()
        + "' of workflow '" + workflow + "'");
  }

  /**
   * Serializes the body of {@code POST /prompt}: {@code {"prompt": graph, "client_id": …, "prompt_id": …}} as UTF-8
   * JSON. Text goes through the JSON writer, so quotes, backslashes, newlines and emoji arrive intact.
   *
   * @param clientId the id of the WebSocket connection that should receive this prompt's events
   * @param promptId the prompt id to ask the server to use (a lowercase UUID); never null (old servers would name the
   *     prompt "None"); use {@link #toPromptRequest(String)} for servers that do not accept one
   * @return a new array holding the request body
   * @throws IllegalStateException if image uploads are still pending
   */
  public byte[] toPromptRequest(String clientId, String promptId) {
    Objects.requireNonNull(promptId, "promptId");
    return serialize(Objects.requireNonNull(clientId, "clientId"), promptId);
  }

  /**
   * Serializes the body of {@code POST /prompt} without a {@code prompt_id}, for servers that assign their own.
   *
   * @param clientId the id of the WebSocket connection that should receive this prompt's events
   * @return a new array holding the request body
   * @throws IllegalStateException if image uploads are still pending
   */
  public byte[] toPromptRequest(String clientId) {
    return serialize(Objects.requireNonNull(clientId, "clientId"), null);
  }

  private byte[] serialize(String clientId, String promptId) {
    if (!pendingUploads.isEmpty()) {
      List<String> names = new ArrayList<>();
      pendingUploads.forEach(upload -> names.add(upload.parameter()));
      throw new IllegalStateException("workflow '" + workflow + "': image parameter(s) " + names
          + " must be uploaded and applied with applyUpload(...) before the prompt is sent");
    }
    try (ByteArrayBuilder out = new ByteArrayBuilder(2048);
        JsonGenerator generator = Json.JSON.createGenerator(out)) {
      generator.writeStartObject();
      generator.writeFieldName("prompt");
      Json.JSON.writeTree(generator, graph);
      generator.writeStringField("client_id", clientId);
      if (promptId != null) {
        generator.writeStringField("prompt_id", promptId);
      }
      generator.writeEndObject();
      generator.flush();
      return out.toByteArray();
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize workflow '" + workflow + "'", e);
    } catch (IOException e) {
      // Writing to memory does not fail with an I/O error; keep the cause if it ever does.
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String toString() {
    return "BuiltWorkflow[" + workflow + ", parameters=" + parameters.keySet() + "]";
  }
}
