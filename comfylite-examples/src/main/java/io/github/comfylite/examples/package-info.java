/**
 * Small runnable programs that show how to use ComfyLite; each is a {@code public final class XxxExample} with a
 * {@code main} method, configured by environment variables with defaults.
 *
 * <p>Every example talks to the ComfyUI at {@code COMFYUI_URL} (default {@code http://127.0.0.1:8000}, ComfyUI
 * Desktop's port; manual installs use 8188; {@code demo} starts an embedded fake ComfyUI with synthetic images, so the
 * examples run with no ComfyUI at all) and reads workflows from {@code COMFYLITE_TEMPLATES_DIR} and
 * {@code COMFYLITE_CONFIGS_DIR} (default {@code templates} and {@code configs}, so run them from the repository root).
 * Most use the model-free {@code smoke} workflow, so they work on any ComfyUI installation. {@link
 * io.github.comfylite.examples.Main} lists them.
 *
 * <p>These classes are documentation, not API: read them, copy from them, but do not depend on them.
 */
package io.github.comfylite.examples;
