package io.github.comfylite.examples;

import java.io.PrintStream;

/**
 * Lists the examples and how to run them.
 *
 * <pre>{@code
 * java -cp comfylite-examples/target/comfylite-examples.jar io.github.comfylite.examples.Main
 * }</pre>
 */
public final class Main {
  private static final String[][] EXAMPLES = {
    {"QuickStartExample", "one blocking generate(...).join(); writes the PNGs and prints their paths"},
    {"AsyncExample", "several prompts at once, composed with thenApply, allOf and thenCompose"},
    {"ProgressExample", "a listener: queued, started, progress, live previews, finished"},
    {"WebhookExample", "a signed webhook and a minimal receiver that verifies the signature"},
    {"CustomWorkflowExample", "your own workflow: typed parameters and an uploaded input image (img2img)"},
    {"CancellationExample", "cancel a queued prompt and a running one"},
    {"EmbeddedServerExample", "the ComfyLite HTTP server inside your application; POST /generate, then poll"},
  };

  private Main() {}

  /**
   * Prints the list of examples.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    print(System.out);
  }

  static void print(PrintStream out) {
    out.println("ComfyLite examples. Run one with:");
    out.println("  COMFYUI_URL=http://127.0.0.1:8188 java -cp comfylite-examples/target/comfylite-examples.jar "
        + Main.class.getPackageName() + ".<Example>");
    out.println();
    for (String[] example : EXAMPLES) {
      out.printf("  %-22s %s%n", example[0], example[1]);
    }
    out.println();
    out.println("Each reads COMFYUI_URL (default http://127.0.0.1:8000; 'demo' for an embedded fake ComfyUI),");
    out.println("COMFYLITE_TEMPLATES_DIR and COMFYLITE_CONFIGS_DIR (default templates and configs);"
        + " see each class's Javadoc for the rest.");
  }
}
