/**
 * The engine behind {@link io.github.comfylite.ComfyLite}: {@link io.github.comfylite.tracker.PromptTracker} follows
 * every prompt through ComfyUI on one event-loop thread and delivers exactly one outcome per prompt to each sink.
 * Applications use the facade; the public types here exist for it.
 */
package io.github.comfylite.tracker;
