/**
 * Typed access to a ComfyUI server: {@link io.github.comfylite.client.ComfyClient} for its HTTP API and its
 * {@code /ws} event stream, with events parsed into the sealed {@link io.github.comfylite.client.ComfyEvent}. Usable
 * on its own; the {@code ComfyLite} facade builds on it.
 */
package io.github.comfylite.client;
