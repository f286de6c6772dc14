package io.github.comfylite.bench;

import io.github.comfylite.workflow.BuiltWorkflow;
import io.github.comfylite.workflow.WorkflowManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Builds the shipped {@code starter} workflow with six parameters (prompt, seed, width, height, imageCount, steps) and
 * serializes the {@code POST /prompt} body: the per-request cost ComfyLite adds before anything goes on the wire. The
 * manager uses its default 1 s reload interval, as in production, so a build checks no files.
 *
 * <p>Run from the repository root (the shipped {@code templates/} and {@code configs/} are found from the working
 * directory or the {@code comfylite.root} system property):
 * <pre>{@code
 * ./mvnw -q -B -o -pl comfylite-bench -am package -DskipTests
 * java -jar comfylite-bench/target/comfylite-bench.jar WorkflowBuild -f 1 -wi 3 -i 5
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xmx256m"})
public class WorkflowBuildBenchmark {
  private static final String CLIENT_ID = "5b3f1a9e-7c2d-4e8b-9a10-3c4d5e6f7a8b";
  private static final String PROMPT_ID = "c2a4e6f8-1b3d-4f5a-9c7e-2d4f6a8b0c1e";

  private WorkflowManager manager;
  private Map<String, Object> params;

  /** Loads the shipped workflows once and prepares the six parameters. */
  @Setup
  public void setUp() {
    Path root = findRoot();
    manager = WorkflowManager.create(root.resolve("templates"), root.resolve("configs"));
    params = new LinkedHashMap<>();
    params.put("prompt", "a lighthouse on a cliff at dusk, \"dramatic\" light, waves\nhighly detailed 🌊");
    params.put("seed", 1234567890123L);
    params.put("width", 768);
    params.put("height", 512);
    params.put("imageCount", 2);
    params.put("steps", 25);
    // Fail at set-up, not with a misleading figure, if the workflow does not build.
    manager.build("starter", params).toPromptRequest(CLIENT_ID, PROMPT_ID);
  }

  /** Build + serialize: what one request pays. */
  @Benchmark
  public byte[] buildAndSerialize() {
    return manager.build("starter", params).toPromptRequest(CLIENT_ID, PROMPT_ID);
  }

  /** Build alone: copy of the template with the parameters checked and applied. */
  @Benchmark
  public BuiltWorkflow buildOnly() {
    return manager.build("starter", params);
  }

  private static Path findRoot() {
    String configured = System.getProperty("comfylite.root");
    Path start = Path.of(configured != null ? configured : ".").toAbsolutePath().normalize();
    for (Path dir = start; dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("templates/starter.json"))
          && Files.isRegularFile(dir.resolve("configs/starter.yaml"))) {
        return dir;
      }
    }
    throw new IllegalStateException("templates/starter.json and configs/starter.yaml not found from " + start
        + "; run from the repository root or pass -Dcomfylite.root=<repository root>");
  }
}
