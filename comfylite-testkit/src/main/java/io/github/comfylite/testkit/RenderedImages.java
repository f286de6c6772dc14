package io.github.comfylite.testkit;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The PNG bytes of saved images, rendered once when their node ran, like the files ComfyUI writes to disk.
 *
 * <p>Bounded by total bytes so a long-running demo server does not grow without limit: when an insert
 * exceeds the budget, the oldest entries are dropped first, and the caller renders the image again from its
 * recipe (same bytes, since rendering is deterministic). An image larger than the whole budget is not kept.
 * Thread-safe: {@code /view} reads it outside the engine lock.
 *
 * @param <K> the key of a stored file
 */
final class RenderedImages<K> {
    private final long maxBytes;
    private final LinkedHashMap<K, byte[]> entries = new LinkedHashMap<>();
    private long totalBytes;

    /**
     * @param maxBytes the largest total of kept bytes; 0 keeps nothing
     */
    RenderedImages(long maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must be >= 0, was " + maxBytes);
        }
        this.maxBytes = maxBytes;
    }

    /** Keeps the bytes of a file, replacing any earlier ones, and evicts the oldest entries over budget. */
    synchronized void put(K key, byte[] png) {
        byte[] old = entries.remove(key);
        if (old != null) {
            totalBytes -= old.length;
        }
        if (png.length > maxBytes) {
            return;
        }
        entries.put(key, png);
        totalBytes += png.length;
        Iterator<Map.Entry<K, byte[]>> it = entries.entrySet().iterator();
        while (totalBytes > maxBytes && it.hasNext()) {
            totalBytes -= it.next().getValue().length;
            it.remove();
        }
    }

    /** The kept bytes of a file, or empty if never kept or evicted. The array must not be modified. */
    synchronized Optional<byte[]> get(K key) {
        return Optional.ofNullable(entries.get(key));
    }

    /** The total of kept bytes. */
    synchronized long totalBytes() {
        return totalBytes;
    }
}
