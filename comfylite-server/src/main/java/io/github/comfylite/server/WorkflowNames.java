package io.github.comfylite.server;

/**
 * The server's first check on workflow names from requests and configuration: a name must be a plain file-name stem,
 * so that it can never reach outside the workflow directories. The {@code WorkflowManager} checks again; this check
 * exists so that a traversal attempt gets a clear 400 before any file is looked at.
 */
final class WorkflowNames {
  static final int MAX_LENGTH = 100;

  private WorkflowNames() {}

  static boolean isValid(String name) {
    if (name.isEmpty() || name.length() > MAX_LENGTH || name.startsWith(".")) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '_' || c == '-' || c == '.';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** Why {@code name} is not valid, naming the rule. */
  static String problem(String name) {
    return "invalid workflow name '" + printable(name) + "': use letters, digits, '_', '-' and '.', at most "
        + MAX_LENGTH + " characters, not starting with '.' (no paths)";
  }

  /** {@code s} cut to 100 characters with control characters escaped, safe to put in an error message. */
  static String printable(String s) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length() && i < 100; i++) {
      char c = s.charAt(i);
      if (c < ' ' || c == 0x7f) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    if (s.length() > 100) {
      out.append('…');
    }
    return out.toString();
  }
}
