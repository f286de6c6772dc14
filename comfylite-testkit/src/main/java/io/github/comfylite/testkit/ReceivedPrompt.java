package io.github.comfylite.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@code POST /prompt} the fake received, as a test sees it.
 *
 * @param promptId the id the fake assigned: the client's {@code prompt_id} (as Python's {@code str()}
 *                 of it), or a new UUID when there was none or the fake runs as an old server
 * @param clientId the body's {@code client_id}, if it was a string
 * @param graph    the {@code prompt} value exactly as sent (before ComfyUI's value coercion); do not modify it
 * @param number   the queue number the fake gave it (ComfyUI's {@code number}; a float if the client sent one)
 * @param rawBody  the request body as received
 * @param accepted whether it passed validation and was queued (false for a 400 or 500 reply)
 */
public record ReceivedPrompt(String promptId, Optional<String> clientId, JsonNode graph, double number,
        String rawBody, boolean accepted) {
    /**
     * Checks that the required components are present.
     *
     * @param promptId the id the fake assigned: the client's {@code prompt_id} (as Python's {@code str()}
     *     of it), or a new UUID when there was none or the fake runs as an old server
     * @param clientId the body's {@code client_id}, if it was a string
     * @param graph the {@code prompt} value exactly as sent (before ComfyUI's value coercion); do not modify it
     * @param number the queue number the fake gave it (ComfyUI's {@code number}; a float if the client sent one)
     * @param rawBody the request body as received
     * @param accepted whether it passed validation and was queued (false for a 400 or 500 reply)
     */
    public ReceivedPrompt {
        Objects.requireNonNull(promptId, "promptId");
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(graph, "graph");
        Objects.requireNonNull(rawBody, "rawBody");
    }
}
