package dev.factorytelemetry.ingest;

import dev.factorytelemetry.web.Problem;
import dev.factorytelemetry.web.ProblemException;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/** Request bodies of the ingest endpoints: size limit and gzip, with the decompressed size bounded too. */
final class IngestBody {

    private IngestBody() {
    }

    /** The body as sent (identity) or decompressed (gzip); 413 beyond maxBytes either way, 415 for other encodings. */
    static byte[] decode(byte[] raw, String contentEncoding, long maxBytes) {
        if (raw == null) {
            raw = new byte[0];
        }
        if (raw.length > maxBytes) {
            throw tooLarge(maxBytes);
        }
        String encoding = contentEncoding == null ? "identity" : contentEncoding.trim().toLowerCase();
        return switch (encoding) {
            case "", "identity" -> raw;
            case "gzip", "x-gzip" -> gunzip(raw, maxBytes);
            default -> throw new ProblemException(Problem.of(415, "Unsupported Media Type",
                    "Content-Encoding '" + contentEncoding + "' is not supported; send identity or gzip"));
        };
    }

    private static byte[] gunzip(byte[] raw, long maxBytes) {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(raw), 16 * 1024)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min((int) Math.min(maxBytes, Integer.MAX_VALUE - 8), raw.length * 8));
            byte[] buffer = new byte[16 * 1024];
            long total = 0;
            int n;
            while ((n = in.read(buffer)) > 0) {
                total += n;
                if (total > maxBytes) {
                    throw tooLarge(maxBytes); // a gzip bomb stops here, not in memory
                }
                out.write(buffer, 0, n);
            }
            return out.toByteArray();
        } catch (ZipException | java.io.EOFException e) {
            throw ProblemException.badRequest("The body is not valid gzip (Content-Encoding: gzip): " + e.getMessage());
        } catch (IOException e) {
            throw ProblemException.badRequest("The gzip body cannot be read: " + e.getMessage());
        }
    }

    static ProblemException tooLarge(long maxBytes) {
        return new ProblemException(Problem.of(413, "Content Too Large",
                "The request body exceeds " + maxBytes + " bytes (telemetry.ingest.max-body-size; for gzip bodies the limit "
                        + "applies to the decompressed size too); nothing was stored, split it into smaller requests"));
    }
}
