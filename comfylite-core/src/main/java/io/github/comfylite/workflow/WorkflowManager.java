package io.github.comfylite.workflow;

import io.github.comfylite.errors.WorkflowException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Loads workflows from a templates directory and a configs directory and builds one graph per request.
 *
 * <pre>{@code
 * WorkflowManager workflows = WorkflowManager.create(Path.of("templates"), Path.of("configs"));
 * BuiltWorkflow built = workflows.build("starter", Map.of("prompt", "a lighthouse at dusk", "width", 768));
 * byte[] body = built.toPromptRequest(clientId, promptId);   // POST /prompt
 * }</pre>
 *
 * <h2>Files</h2>
 * A workflow named {@code NAME} is the pair {@code templates/NAME.json}, a workflow exported from ComfyUI with
 * "Export (API)", and {@code configs/NAME.yaml}, which says which request parameters go into which node inputs.
 * Names may use letters, digits, {@code .}, {@code _} and {@code -}, start with a letter or digit, and never contain
 * {@code ..}; nothing outside the two directories is ever read.
 *
 * <h2>The mapping file</h2>
 * The original ComfyLite format loads unchanged:
 * <pre>{@code
 * node_mappings:
 *   prompt:               # the parameter's name, as callers pass it
 *     node_id: "6"        # the node's id in the template (its key)
 *     property: "text"    # the key inside that node's "inputs"
 * }</pre>
 * Everything else is optional. The full schema:
 * <pre>{@code
 * description: SD1.5 text to image            # optional, shown when workflows are listed
 * node_mappings:
 *   PARAMETER:
 *     node_id: "6"                            # where the value goes: node_id or node_title, plus property ...
 *     node_title: Positive prompt             #   node_title matches the node's _meta.title (survives re-export)
 *     property: text
 *     targets:                                # ... or several places at once (instead of node_id/property)
 *       - { node_id: "3", property: seed }
 *       - { node_title: Refiner, property: noise_seed }
 *     type: integer                           # string | integer | number | boolean | image
 *     default: 512                            # used when the caller passes no value; "random" for seeds
 *     min: 64                                 # integer and number only
 *     max: 4096
 *     allowed: [euler, dpmpp_2m]              # or "values:"; the only values accepted
 *     required: true                          # callers must pass it (no default then)
 *     description: Width of the image in pixels
 * outputs:                                    # optional; the nodes whose images are results
 *   - { node_id: "9", kind: file }            # kind: file (SaveImage-style) or websocket (SaveImageWebsocket)
 * produces_images: false                      # optional; only for workflows that yield no images
 * }</pre>
 * Rules:
 * <ul>
 *   <li>Without {@code type}, the type is that of the value the template holds at the first target (text → string,
 *       whole number → integer, other number → number, true/false → boolean). Every target must hold a value of the
 *       parameter's type, and no target may be a link to another node.
 *   <li>Without {@code default}, a parameter the caller leaves out keeps the template's value, except a parameter
 *       named {@code seed} (or one with {@code default: random}), which gets a random value in [0, 2^53) on every
 *       build.
 *   <li>{@code type: image} declares an image input, usually a LoadImage node's {@code image}: callers pass an
 *       {@link ImageInput}, which the client uploads before submitting (see {@link BuiltWorkflow#pendingUploads()}),
 *       or the name of a file already in ComfyUI's input folder.
 *   <li>Without {@code outputs}, the outputs are the template's SaveImage and PreviewImage nodes (kind file) and
 *       SaveImageWebsocket nodes (kind websocket). A workflow with no output node must say
 *       {@code produces_images: false}.
 *   <li>Unknown keys, nodes, titles and inputs are errors that name the file and key and suggest the closest valid
 *       name.
 * </ul>
 *
 * <h2>Reloading and threads</h2>
 * Added, changed and removed files are picked up without a restart. To keep builds from paying for file system
 * calls, a workflow's two files are checked (modification time and size) at most once per
 * {@link Builder#reloadInterval(Duration) reload interval}, 1 second by default, and the directories are listed at
 * most once per interval; {@link #reload()} rereads everything at once. A broken file makes only its own workflow
 * unavailable: it is reported by {@link #problems()} and by {@link #workflow(String)}, and the others keep working.
 * Parsed templates are cached; a build copies the cached tree. All methods are safe to call from any thread.
 */
public final class WorkflowManager {
  private static final System.Logger LOG = System.getLogger(WorkflowManager.class.getName());
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
  private static final int MAX_NAME_LENGTH = 128;
  private static final String NAME_RULE = "use letters, digits, '.', '_' and '-', start with a letter or digit, "
      + "at most " + MAX_NAME_LENGTH + " characters, no '..'";
  private static final Stamp MISSING = new Stamp(null, -1);

  private final Path templatesDirectory;
  private final Path configsDirectory;
  private final long reloadIntervalNanos;
  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
  private final Object scanLock = new Object();
  private volatile long lastScanNanos;
  private volatile boolean scanned;
  private volatile Map<String, WorkflowException> badFileNames = Map.of();

  private WorkflowManager(Builder builder) {
    this.templatesDirectory = builder.templatesDirectory;
    this.configsDirectory = builder.configsDirectory;
    this.reloadIntervalNanos = builder.reloadInterval.toNanos();
  }

  /**
   * Creates a manager with the default reload interval (1 second). Files are read lazily, on first use.
   *
   * @param templatesDirectory the directory of {@code NAME.json} API-format templates
   * @param configsDirectory the directory of {@code NAME.yaml} mapping files
   * @return a manager over the two directories; it holds no open resources
   * @throws IllegalArgumentException if either directory does not exist
   */
  public static WorkflowManager create(Path templatesDirectory, Path configsDirectory) {
    return builder(templatesDirectory, configsDirectory).build();
  }

  /**
   * Starts a builder for a manager over these directories.
   *
   * @param templatesDirectory the directory of {@code NAME.json} API-format templates
   * @param configsDirectory the directory of {@code NAME.yaml} mapping files
   * @return a builder with the default reload interval
   */
  public static Builder builder(Path templatesDirectory, Path configsDirectory) {
    return new Builder(templatesDirectory, configsDirectory);
  }

  /** Configures a {@link WorkflowManager}. */
  public static final class Builder {
    private final Path templatesDirectory;
    private final Path configsDirectory;
    private Duration reloadInterval = Duration.ofSeconds(1);

    private Builder(Path templatesDirectory, Path configsDirectory) {
      this.templatesDirectory = directory(templatesDirectory, "templatesDirectory");
      this.configsDirectory = directory(configsDirectory, "configsDirectory");
    }

    private static Path directory(Path path, String what) {
      Objects.requireNonNull(path, what);
      if (!Files.isDirectory(path)) {
        throw new IllegalArgumentException(what + " " + path + " does not exist or is not a directory");
      }
      return path.toAbsolutePath().normalize();
    }

    /**
     * How long a workflow's files are trusted before they are checked for changes again. Defaults to 1 second;
     * {@link Duration#ZERO} checks on every call (for tests and development).
     *
     * @param reloadInterval the time between checks of a workflow's files for changes
     * @return this builder
     * @throws IllegalArgumentException if negative
     */
    public Builder reloadInterval(Duration reloadInterval) {
      Objects.requireNonNull(reloadInterval, "reloadInterval");
      if (reloadInterval.isNegative()) {
        throw new IllegalArgumentException("reloadInterval must not be negative, got " + reloadInterval);
      }
      this.reloadInterval = reloadInterval;
      return this;
    }

    /**
     * Creates the manager. Files are read lazily, on first use.
     *
     * @return a manager over the builder's directories
     */
    public WorkflowManager build() {
      return new WorkflowManager(this);
    }
  }

  /**
   * The templates directory (absolute).
   *
   * @return the absolute path of the {@code NAME.json} templates
   */
  public Path templatesDirectory() {
    return templatesDirectory;
  }

  /**
   * The configs directory (absolute).
   *
   * @return the absolute path of the {@code NAME.yaml} mapping files
   */
  public Path configsDirectory() {
    return configsDirectory;
  }

  /**
   * The names of the workflows that load without error, sorted. Broken ones are in {@link #problems()}.
   *
   * @return an unmodifiable, sorted list of workflow names, possibly empty
   */
  public List<String> names() {
    scan();
    List<String> names = new ArrayList<>();
    for (Map.Entry<String, Entry> entry : new TreeMap<>(entries).entrySet()) {
      if (entry.getValue().workflow != null) {
        names.add(entry.getKey());
      }
    }
    return Collections.unmodifiableList(names);
  }

  /**
   * Whether a workflow of this name exists and loads without error. Never throws for a bad name: it just does not
   * exist.
   *
   * @param name the workflow's name, as callers pass it
   * @return true if {@link #workflow(String)} would return a workflow for this name
   */
  public boolean exists(String name) {
    if (name == null || nameProblem(name) != null) {
      return false;
    }
    Entry entry = current(name);
    return entry != null && entry.workflow != null;
  }

  /**
   * The workflow of this name, as its files are now.
   *
   * @param name the workflow's name: the file name of its template and mapping without the extension
   * @return an immutable snapshot of the workflow; later file changes give a new snapshot, not a changed one
   * @throws WorkflowException if the name is not allowed, no such workflow exists (with a "did you mean"), or its
   *     files are broken (the message names the file and key)
   */
  public Workflow workflow(String name) {
    Objects.requireNonNull(name, "name");
    String problem = nameProblem(name);
    if (problem != null) {
      throw new WorkflowException(null, null, null, problem);
    }
    Entry entry = current(name);
    if (entry == null) {
      List<String> names = names();
      throw new WorkflowException(name, null, null, "unknown workflow '" + name + "' (available: "
          + Suggestions.list(names) + ")" + Suggestions.didYouMean(name, names));
    }
    if (entry.problem != null) {
      WorkflowException cached = entry.problem;
      // A fresh exception per call: a shared instance would collect every caller's suppressed exceptions.
      throw new WorkflowException(cached.workflow().orElse(null), cached.file().orElse(null),
          cached.key().orElse(null), cached.getMessage(), cached.getCause());
    }
    return entry.workflow;
  }

  /**
   * The workflows whose files are broken, by name, sorted; each error names the file and key. Read-only.
   *
   * @return workflow name → the error that stops it from loading; empty when every workflow loads
   */
  public Map<String, WorkflowException> problems() {
    scan();
    Map<String, WorkflowException> problems = new TreeMap<>(badFileNames);
    for (Map.Entry<String, Entry> entry : entries.entrySet()) {
      if (entry.getValue().problem != null) {
        problems.put(entry.getKey(), entry.getValue().problem);
      }
    }
    return Collections.unmodifiableMap(problems);
  }

  /**
   * Builds one request's graph: a fresh copy of the workflow's template with every parameter applied. Parameters the
   * caller leaves out (or passes as {@code null}) get their default, a random seed, or keep the template's value.
   *
   * @param name the workflow's name
   * @param params parameter values: {@code String}, {@code Integer}, {@code Long}, {@code BigInteger},
   *     {@code Double}, {@code BigDecimal}, {@code Boolean} or {@link ImageInput}, by parameter name; scalar Jackson
   *     {@code JsonNode}s from a parsed request are accepted too (JSON null means absent)
   * @return the graph with the values applied, ready for uploads and {@code POST /prompt}
   * @throws WorkflowException if the workflow cannot be used (see {@link #workflow(String)}), a parameter is unknown or
   *     required and missing, or a value has the wrong type or is out of range
   */
  public BuiltWorkflow build(String name, Map<String, ?> params) {
    return workflow(name).build(params);
  }

  /** Rereads every workflow now, regardless of the reload interval. */
  public void reload() {
    entries.clear();
    synchronized (scanLock) {
      scanned = false;
    }
    scan();
  }

  // ------------------------------------------------------------------------------------------ loading

  /** The entry for a name, checked against its files when older than the reload interval; null if no file exists. */
  private Entry current(String name) {
    Entry entry = entries.get(name);
    long now = System.nanoTime();
    if (entry != null && now - entry.checkedAt < reloadIntervalNanos) {
      return entry;
    }
    Path templateFile = templatesDirectory.resolve(name + ".json");
    Path configFile = configsDirectory.resolve(name + ".yaml");
    Stamp template = stamp(templateFile);
    Stamp config = stamp(configFile);
    if (template == MISSING && config == MISSING) {
      if (entry != null) {
        entries.remove(name, entry);
        LOG.log(System.Logger.Level.INFO, () -> "workflow " + name + " removed");
      }
      return null;
    }
    if (entry != null && entry.template.equals(template) && entry.config.equals(config)) {
      Entry checked = new Entry(entry.workflow, entry.problem, template, config, now);
      entries.replace(name, entry, checked);
      return checked;
    }
    Entry loaded = load(name, templateFile, configFile, template, config, now);
    entries.put(name, loaded);
    return loaded;
  }

  private Entry load(String name, Path templateFile, Path configFile, Stamp template, Stamp config, long now) {
    try {
      if (template == MISSING) {
        throw new WorkflowException(name, templateFile, null, templateFile + ": does not exist, but " + configFile
            + " does; a workflow needs both (export the template from ComfyUI with \"Export (API)\")");
      }
      if (config == MISSING) {
        Path yml = configsDirectory.resolve(name + ".yml");
        throw new WorkflowException(name, configFile, null, configFile + ": does not exist, but " + templateFile
            + " does; a workflow needs both" + (Files.exists(yml) ? " (found " + yml.getFileName()
            + ": rename it to " + configFile.getFileName() + ")" : ""));
      }
      Workflow workflow = WorkflowLoader.load(name, templateFile, configFile);
      LOG.log(System.Logger.Level.DEBUG, () -> "loaded workflow " + name);
      return new Entry(workflow, null, template, config, now);
    } catch (WorkflowException e) {
      LOG.log(System.Logger.Level.WARNING, () -> "workflow " + name + " is unavailable: " + e.getMessage());
      return new Entry(null, e, template, config, now);
    } catch (RuntimeException e) {
      // A bug of ours or of a parser must not take the other workflows down with it.
      LOG.log(System.Logger.Level.ERROR, () -> "workflow " + name + " failed to load", e);
      return new Entry(null, new WorkflowException(name, templateFile, null,
          "workflow '" + name + "' failed to load: " + e, e), template, config, now);
    }
  }

  /** Lists both directories (at most once per reload interval) and refreshes every workflow found. */
  private void scan() {
    long now = System.nanoTime();
    if (scanned && now - lastScanNanos < reloadIntervalNanos) {
      return;
    }
    synchronized (scanLock) {
      if (scanned && System.nanoTime() - lastScanNanos < reloadIntervalNanos) {
        return;
      }
      Set<String> found = new TreeSet<>();
      Map<String, WorkflowException> bad = new TreeMap<>();
      list(templatesDirectory, ".json", found, bad);
      list(configsDirectory, ".yaml", found, bad);
      for (String name : found) {
        current(name);
      }
      entries.keySet().removeIf(name -> !found.contains(name) && current(name) == null);
      badFileNames = Collections.unmodifiableMap(bad);
      lastScanNanos = System.nanoTime();
      scanned = true;
    }
  }

  private void list(Path directory, String extension, Set<String> found, Map<String, WorkflowException> bad) {
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*" + extension)) {
      for (Path file : files) {
        String fileName = file.getFileName().toString();
        String name = fileName.substring(0, fileName.length() - extension.length());
        String problem = nameProblem(name);
        if (problem == null) {
          found.add(name);
        } else if (Files.isRegularFile(file)) {
          bad.putIfAbsent(name, new WorkflowException(name, file, null, file + ": cannot be used: " + problem
              + "; rename the file"));
        }
      }
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, () -> "cannot list " + directory + ": " + e);
    }
  }

  /** Why a name is not allowed, or null if it is. */
  static String nameProblem(String name) {
    if (name.length() > MAX_NAME_LENGTH || !NAME.matcher(name).matches() || name.contains("..")) {
      String shown = name.length() > 60 ? name.substring(0, 60) + "…" : name;
      return "workflow name '" + shown + "' is not allowed: " + NAME_RULE;
    }
    return null;
  }

  private static Stamp stamp(Path file) {
    try {
      BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
      return attributes.isRegularFile() ? new Stamp(attributes.lastModifiedTime(), attributes.size()) : MISSING;
    } catch (NoSuchFileException e) {
      return MISSING;
    } catch (IOException e) {
      // Unreadable metadata: treat as changed so the load reports the real error.
      return new Stamp(FileTime.fromMillis(System.nanoTime()), -2);
    }
  }

  /** A file's modification time and size: a change in either means the file changed. */
  private record Stamp(FileTime modified, long size) {}

  /** A loaded workflow or its problem, the stamps of the files it came from, and when they were last checked. */
  private static final class Entry {
    final Workflow workflow;
    final WorkflowException problem;
    final Stamp template;
    final Stamp config;
    final long checkedAt;

    Entry(Workflow workflow, WorkflowException problem, Stamp template, Stamp config, long checkedAt) {
      this.workflow = workflow;
      this.problem = problem;
      this.template = template;
      this.config = config;
      this.checkedAt = checkedAt;
    }
  }

  @Override
  public String toString() {
    return "WorkflowManager[" + templatesDirectory + ", " + configsDirectory + "]";
  }
}
