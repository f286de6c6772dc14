package io.github.comfylite.testkit;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Deterministic test images: a hand-written PNG encoder (valid files any decoder opens) and JPEG
 * live previews through {@code javax.imageio}.
 */
final class Images {
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private Images() {}

    /**
     * What an IMAGE value in a fake run is: a batch of {@code width × height} images that are either
     * a solid colour (EmptyImage) or a pattern derived from a seed (sampled latents).
     */
    record ImageSpec(int width, int height, int batch, long seed, int color, boolean solid) {
        int rgb(int x, int y, int index) {
            if (solid) {
                return color & 0xFFFFFF;
            }
            long s = mix(seed + 0x9E3779B97F4A7C15L * (index + 1));
            int r = (int) ((x * 255L / Math.max(1, width - 1) + s) & 0xFF);
            int g = (int) ((y * 255L / Math.max(1, height - 1) + (s >>> 8)) & 0xFF);
            int b = (int) (((x + y) * 127L / Math.max(1, width + height - 2) + (s >>> 16)) & 0xFF);
            return r << 16 | g << 8 | b;
        }
    }

    /** A SplitMix64 finaliser: spreads a seed over all 64 bits. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static final ThreadLocal<Deflater> DEFLATER = ThreadLocal.withInitial(Deflater::new);
    private static final byte[] EMPTY = new byte[0];

    /**
     * Encodes image {@code index} of the batch as an RGB PNG.
     *
     * @param noisy    fill with seeded pseudo-random pixels stored uncompressed, so that the file
     *                 size is about {@code 3 × width × height} bytes, as with real photos
     * @param minBytes pad with a {@code tEXt} comment chunk up to this many bytes (0: no padding)
     */
    static byte[] png(ImageSpec spec, int index, boolean noisy, int minBytes) {
        int w = spec.width();
        int h = spec.height();
        int stride = 3 * w + 1;
        byte[] raw = new byte[Math.multiplyExact(stride, h)];
        if (noisy) {
            long state = mix(spec.seed() ^ (spec.color() * 31L) ^ (index * 0x632BE59BD9B4E019L));
            for (int y = 0; y < h; y++) {
                int p = y * stride;
                raw[p++] = 0;
                for (int i = 0; i < 3 * w; i += 8) {
                    state = mix(state + 0x9E3779B97F4A7C15L);
                    for (int k = 0; k < 8 && i + k < 3 * w; k++) {
                        raw[p + i + k] = (byte) (state >>> (8 * k));
                    }
                }
            }
        } else {
            for (int y = 0; y < h; y++) {
                int p = y * stride;
                raw[p++] = 0;
                for (int x = 0; x < w; x++) {
                    int rgb = spec.rgb(x, y, index);
                    raw[p++] = (byte) (rgb >> 16);
                    raw[p++] = (byte) (rgb >> 8);
                    raw[p++] = (byte) rgb;
                }
            }
        }
        // One Deflater per thread, reset between images: a new one allocates (and must free) zlib's native state for
        // every image, which was a large share of the runner's time for small images.
        Deflater deflater = DEFLATER.get();
        deflater.reset();
        deflater.setLevel(noisy ? Deflater.NO_COMPRESSION : Deflater.BEST_SPEED);
        ByteArrayOutputStream idat = new ByteArrayOutputStream(noisy ? raw.length + raw.length / 1000 + 64 : 4096);
        deflater.setInput(raw);
        deflater.finish();
        byte[] buf = new byte[Math.min(64 * 1024, raw.length + 64)];
        while (!deflater.finished()) {
            int n = deflater.deflate(buf);
            idat.write(buf, 0, n);
        }
        deflater.setInput(EMPTY); // let go of the pixels until the next image
        byte[] ihdr = new byte[13];
        putInt(ihdr, 0, w);
        putInt(ihdr, 4, h);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // colour type RGB
        byte[] data = idat.toByteArray();
        int size = PNG_SIGNATURE.length + (12 + 13) + (12 + data.length) + 12;
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(size, minBytes) + 32);
        out.writeBytes(PNG_SIGNATURE);
        chunk(out, "IHDR", ihdr);
        int padding = minBytes - size - 12;
        if (padding > 0) {
            byte[] text = new byte[Math.max(padding, 8)];
            byte[] keyword = "Comment".getBytes(StandardCharsets.ISO_8859_1);
            System.arraycopy(keyword, 0, text, 0, keyword.length);
            text[keyword.length] = 0;
            for (int i = keyword.length + 1; i < text.length; i++) {
                text[i] = (byte) ('a' + i % 26);
            }
            chunk(out, "tEXt", text);
        }
        chunk(out, "IDAT", data);
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    /** A JPEG (quality 95) live preview of the spec, scaled to fit {@code maxSide} on the longer side. */
    static byte[] jpegPreview(ImageSpec spec, int step, int maxSide) {
        double scale = (double) maxSide / Math.max(spec.width(), spec.height());
        int w = Math.max(1, (int) Math.round(spec.width() * scale));
        int h = Math.max(1, (int) Math.round(spec.height() * scale));
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        ImageSpec stepSpec = new ImageSpec(w, h, 1, spec.seed() + step, spec.color(), spec.solid());
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, stepSpec.rgb(x, y, 0));
            }
        }
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("jpeg");
        ImageWriter writer = writers.next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(0.95f);
            writer.write(null, new IIOImage(img, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException("JPEG encoding into memory failed", e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    /** Width and height from a PNG header, or {@code {512, 512}} for anything else. */
    static int[] dimensions(byte[] file) {
        if (file.length >= 24 && file[0] == (byte) 0x89 && file[1] == 'P' && file[2] == 'N' && file[3] == 'G') {
            return new int[] {getInt(file, 16), getInt(file, 20)};
        }
        return new int[] {512, 512};
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] len = new byte[4];
        putInt(len, 0, data.length);
        out.writeBytes(len);
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(t);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        byte[] c = new byte[4];
        putInt(c, 0, (int) crc.getValue());
        out.writeBytes(c);
    }

    private static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    private static int getInt(byte[] b, int off) {
        return (b[off] & 0xFF) << 24 | (b[off + 1] & 0xFF) << 16 | (b[off + 2] & 0xFF) << 8 | (b[off + 3] & 0xFF);
    }
}
