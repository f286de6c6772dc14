/**
 * ComfyLite's entry point: {@link io.github.comfylite.ComfyLite} submits {@link io.github.comfylite.GenerationRequest
 * requests} to ComfyUI and returns {@link io.github.comfylite.PromptHandle handles}; a
 * {@link io.github.comfylite.ComfyLiteListener} follows progress.
 */
package io.github.comfylite;
