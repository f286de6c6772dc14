/**
 * {@link io.github.comfylite.testkit.FakeComfyUi}: an embeddable, protocol-faithful ComfyUI double
 * (real HTTP and WebSocket on loopback) for tests, demos and benchmarks, plus a JUnit 5 extension,
 * {@link io.github.comfylite.testkit.FakeComfyUiExtension}.
 *
 * <p>Its behaviour follows {@code comfyui-protocol.md} (ComfyUI v0.3.64): validation errors, the
 * WebSocket event order of a normal, cached, SaveImageWebsocket, failing and interrupted run,
 * history, files and the reconnect rules. Everything except the public types of this package is an
 * implementation detail.
 */
package io.github.comfylite.testkit;
