package io.github.comfylite.internal;

import java.util.Objects;

/**
 * Argument checks that more than one public builder makes, kept in one place so the facade and the component it
 * configures reject the same values with the same message (naming the setting).
 */
public final class Checks {
  private Checks() {}

  /**
   * Checks a client id: present and not blank.
   *
   * @param clientId the id
   * @return the id
   * @throws NullPointerException if it is null
   * @throws IllegalArgumentException if it is blank
   */
  public static String clientId(String clientId) {
    Objects.requireNonNull(clientId, "clientId");
    if (clientId.isBlank()) {
      throw new IllegalArgumentException("clientId must not be blank");
    }
    return clientId;
  }

  /**
   * Checks the limits of how many finished prompts are retained.
   *
   * @param count at least 0
   * @param maxImageBytes at least 0
   * @throws IllegalArgumentException if a value is negative
   */
  public static void retainFinished(int count, long maxImageBytes) {
    if (count < 0 || maxImageBytes < 0) {
      throw new IllegalArgumentException("retainFinished needs count >= 0 and maxImageBytes >= 0, was " + count
          + ", " + maxImageBytes);
    }
  }
}
