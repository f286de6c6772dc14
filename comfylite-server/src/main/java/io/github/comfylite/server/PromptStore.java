package io.github.comfylite.server;

import io.github.comfylite.result.GeneratedImage;
import io.github.comfylite.result.Outcome;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The prompts this server submitted, for {@code GET /prompts/{id}}: at most {@code capacity} of them (the oldest
 * submitted are forgotten first), and the images of finished ones up to {@code imageBudget} bytes in total (the
 * oldest results lose their images first; their status stays). Thread-safe; every method is short and holds one lock.
 */
final class PromptStore {
  /** What the server knows about one prompt. Immutable. */
  record Entry(String promptId, String workflow, Optional<Outcome.Failed> failure, boolean succeeded,
      Optional<List<GeneratedImage>> images) {

    boolean finished() {
      return succeeded || failure.isPresent();
    }

    /** Whether it succeeded but its images were dropped to stay within the memory budget. */
    boolean imagesExpired() {
      return succeeded && images.isEmpty();
    }
  }

  private final int capacity;
  private final long imageBudget;
  private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();
  /** Succeeded prompts still holding images, oldest first. */
  private final Deque<String> withImages = new ArrayDeque<>();
  private long imageBytes;

  PromptStore(int capacity, long imageBudget) {
    this.capacity = capacity;
    this.imageBudget = imageBudget;
  }

  /** Records a submitted prompt, unless its outcome already arrived (outcomes can beat the submit call's return). */
  synchronized void submitted(String promptId, String workflow) {
    if (!entries.containsKey(promptId)) {
      put(new Entry(promptId, workflow, Optional.empty(), false, Optional.empty()));
    }
  }

  /** Records how a prompt ended. */
  synchronized void finished(Outcome outcome) {
    Entry old = entries.get(outcome.promptId());
    if (old != null && old.images().isPresent()) {
      withImages.remove(old.promptId());
      imageBytes -= size(old.images().get());
    }
    Entry entry;
    if (outcome instanceof Outcome.Succeeded s) {
      List<GeneratedImage> images = s.result().images();
      long size = size(images);
      boolean keep = size <= imageBudget;
      entry = new Entry(outcome.promptId(), outcome.workflow(), Optional.empty(), true,
          keep ? Optional.of(images) : Optional.empty());
      if (keep) {
        withImages.addLast(outcome.promptId());
        imageBytes += size;
      }
    } else {
      entry = new Entry(outcome.promptId(), outcome.workflow(), Optional.of(outcome.asFailed()), false,
          Optional.empty());
    }
    if (old != null) {
      // Replacing keeps the prompt's place: the oldest submitted are forgotten first.
      entries.put(entry.promptId(), entry);
    } else {
      put(entry);
    }
    expireImages();
  }

  synchronized Optional<Entry> get(String promptId) {
    return Optional.ofNullable(entries.get(promptId));
  }

  synchronized int size() {
    return entries.size();
  }

  synchronized long imageBytes() {
    return imageBytes;
  }

  private void put(Entry entry) {
    entries.put(entry.promptId(), entry);
    Iterator<Map.Entry<String, Entry>> oldest = entries.entrySet().iterator();
    while (entries.size() > capacity && oldest.hasNext()) {
      Entry evicted = oldest.next().getValue();
      oldest.remove();
      if (evicted.images().isPresent()) {
        withImages.remove(evicted.promptId());
        imageBytes -= size(evicted.images().get());
      }
    }
  }

  private void expireImages() {
    while (imageBytes > imageBudget && !withImages.isEmpty()) {
      String id = withImages.removeFirst();
      Entry e = entries.get(id);
      if (e != null && e.images().isPresent()) {
        imageBytes -= size(e.images().get());
        entries.put(id, new Entry(id, e.workflow(), Optional.empty(), true, Optional.empty()));
      }
    }
  }

  private static long size(List<GeneratedImage> images) {
    long total = 0;
    for (GeneratedImage image : images) {
      total += image.size();
    }
    return total;
  }
}
