package io.github.comfylite.workflow;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/** "Did you mean" for error messages: the closest candidate by edit distance, if it is close enough. */
final class Suggestions {
  private Suggestions() {}

  /** The candidate closest to {@code input}, ignoring case, when at most a third of it (at least 2 edits) differs. */
  static Optional<String> closest(String input, Collection<String> candidates) {
    String needle = input.toLowerCase(Locale.ROOT);
    int limit = Math.max(2, needle.length() / 3);
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : candidates) {
      int distance = distance(needle, candidate.toLowerCase(Locale.ROOT));
      if (distance <= limit && distance < bestDistance) {
        best = candidate;
        bestDistance = distance;
      }
    }
    return Optional.ofNullable(best);
  }

  /** {@code "; did you mean 'x'?"} or the empty string. */
  static String didYouMean(String input, Collection<String> candidates) {
    return closest(input, candidates).map(c -> "; did you mean '" + c + "'?").orElse("");
  }

  /** Candidates joined for a message: {@code a, b, c}, or {@code (none)}. */
  static String list(Collection<String> candidates) {
    return candidates.isEmpty() ? "(none)" : String.join(", ", candidates);
  }

  /** Levenshtein distance. The strings are short names, so the O(n·m) table is cheap. */
  static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
