/**
 * The standalone ComfyLite HTTP server: {@link io.github.comfylite.server.ComfyLiteServer} over the
 * {@link io.github.comfylite.ComfyLite} facade, configured by {@link io.github.comfylite.server.ServerConfig} and run
 * by {@link io.github.comfylite.server.Main} ({@code java -jar comfylite-server.jar}). The HTTP API is described by
 * {@code docs/openapi.yaml}, served at {@code /openapi.json} and {@code /openapi.yaml}. Route handlers and the
 * plumbing are package-private.
 */
package io.github.comfylite.server;
