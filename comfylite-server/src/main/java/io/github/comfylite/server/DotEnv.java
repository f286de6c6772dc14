package io.github.comfylite.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Reads {@code .env} files: {@code KEY=VALUE} lines, as the original program (and docker compose) accept them.
 *
 * <ul>
 *   <li>blank lines and lines starting with {@code #} are ignored;
 *   <li>an optional {@code export } prefix is ignored, so the file can also be {@code source}d by a shell;
 *   <li>whitespace around the key, the {@code =} and an unquoted value is trimmed; an unquoted value ends at
 *       {@code " #"} (an inline comment);
 *   <li>{@code 'single quotes'} keep their content literally; {@code "double quotes"} understand {@code \n},
 *       {@code \t}, {@code \"} and {@code \\};
 *   <li>a later line for the same key wins.
 * </ul>
 *
 * Anything else (a line without {@code =}, a bad key, an unterminated quote, text after a closing quote) is an error
 * naming the file and line, so a typo never silently drops a setting.
 */
final class DotEnv {
  private static final Pattern KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private DotEnv() {}

  /**
   * Reads {@code file}; a file that does not exist reads as empty.
   *
   * @throws IllegalArgumentException naming the file and line of a malformed line
   * @throws IOException if the file exists but cannot be read
   */
  static Map<String, String> load(Path file) throws IOException {
    Objects.requireNonNull(file, "file");
    String content;
    try {
      content = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return Map.of();
    }
    return parse(content, file.toString());
  }

  /**
   * Parses the content of a {@code .env} file.
   *
   * @param content the file's text
   * @param source the file's name, for error messages
   * @return the variables in file order
   * @throws IllegalArgumentException naming the source and line of a malformed line
   */
  static Map<String, String> parse(String content, String source) {
    Map<String, String> vars = new LinkedHashMap<>();
    String[] lines = content.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (i == 0 && line.startsWith("\uFEFF")) {
        line = line.substring(1).strip();
      }
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String where = source + ":" + (i + 1);
      if (line.startsWith("export ") || line.startsWith("export\t")) {
        line = line.substring("export".length()).strip();
      }
      int eq = line.indexOf('=');
      if (eq < 0) {
        throw new IllegalArgumentException(where + ": expected KEY=VALUE, got a line without '='");
      }
      String key = line.substring(0, eq).strip();
      if (!KEY.matcher(key).matches()) {
        throw new IllegalArgumentException(
            where + ": '" + key + "' is not a valid variable name (letters, digits and '_', not starting with a digit)");
      }
      vars.put(key, value(line.substring(eq + 1).strip(), where, key));
    }
    return vars;
  }

  /**
   * The configuration {@code Main} uses: the {@code .env} variables, overridden by the process environment.
   *
   * @param dotEnv variables from the file
   * @param environment the process environment
   * @return the merged view; the environment wins on conflicts
   */
  static Map<String, String> merge(Map<String, String> dotEnv, Map<String, String> environment) {
    Map<String, String> merged = new LinkedHashMap<>(dotEnv);
    merged.putAll(environment);
    return merged;
  }

  private static String value(String raw, String where, String key) {
    if (raw.isEmpty()) {
      return "";
    }
    char first = raw.charAt(0);
    if (first == '\'' || first == '"') {
      StringBuilder out = new StringBuilder();
      int i = 1;
      boolean closed = false;
      for (; i < raw.length(); i++) {
        char c = raw.charAt(i);
        if (c == first) {
          closed = true;
          i++;
          break;
        }
        if (first == '"' && c == '\\' && i + 1 < raw.length()) {
          char next = raw.charAt(++i);
          switch (next) {
            case 'n':
              out.append('\n');
              break;
            case 't':
              out.append('\t');
              break;
            case 'r':
              out.append('\r');
              break;
            default:
              out.append(next);
          }
          continue;
        }
        out.append(c);
      }
      if (!closed) {
        throw new IllegalArgumentException(where + ": " + key + " has an unterminated " + first + " quote");
      }
      String rest = raw.substring(i).strip();
      if (!rest.isEmpty() && !rest.startsWith("#")) {
        throw new IllegalArgumentException(where + ": " + key + " has unexpected text after its closing quote");
      }
      return out.toString();
    }
    int comment = raw.indexOf(" #");
    int tabComment = raw.indexOf("\t#");
    if (tabComment >= 0 && (comment < 0 || tabComment < comment)) {
      comment = tabComment;
    }
    return (comment >= 0 ? raw.substring(0, comment) : raw).strip();
  }
}
