package dev.factorytelemetry.web;

import io.quarkus.runtime.configuration.MemorySize;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.ext.Provider;
import jakarta.ws.rs.ext.ReaderInterceptor;
import jakarta.ws.rs.ext.ReaderInterceptorContext;
import org.eclipse.microprofile.config.ConfigProvider;

import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * {@code Content-Encoding: gzip} on the JSON endpoints marked {@link GzipRequestBodies} (events, reference data,
 * plant settings, admin): the body is decompressed as it is read, bounded by {@code quarkus.http.limits.max-body-size}
 * after decompression too (413, so a gzip bomb stops early); a body that is not gzip is 400, another encoding 415.
 */
@Provider
@GzipRequestBodies
public class GzipRequestBodyInterceptor implements ReaderInterceptor {

    /** Quarkus' own default of quarkus.http.limits.max-body-size. */
    private static final long DEFAULT_MAX_BYTES = 10_240L * 1024;

    /** Read on first use: providers are created before the runtime configuration is complete. */
    private volatile long maxBytes = -1;

    private long maxBytes() {
        long max = maxBytes;
        if (max < 0) {
            max = ConfigProvider.getConfig().getOptionalValue("quarkus.http.limits.max-body-size", MemorySize.class)
                    .map(MemorySize::asLongValue).orElse(DEFAULT_MAX_BYTES);
            maxBytes = max;
        }
        return max;
    }

    @Override
    public Object aroundReadFrom(ReaderInterceptorContext context) throws IOException {
        String encoding = context.getHeaders().getFirst(HttpHeaders.CONTENT_ENCODING);
        String normalized = encoding == null ? "identity" : encoding.trim().toLowerCase(Locale.ROOT);
        switch (normalized) {
            case "", "identity" -> {
                return context.proceed();
            }
            case "gzip", "x-gzip" -> {
                context.getHeaders().remove(HttpHeaders.CONTENT_ENCODING);
                try {
                    context.setInputStream(new Bounded(new GZIPInputStream(context.getInputStream(), 16 * 1024), maxBytes()));
                    return context.proceed();
                } catch (ZipException | EOFException e) {
                    throw ProblemException.badRequest("The body is not valid gzip (Content-Encoding: gzip): " + e.getMessage());
                }
            }
            default -> throw new ProblemException(Problem.of(415, "Unsupported Media Type",
                    "Content-Encoding '" + encoding + "' is not supported; send identity or gzip"));
        }
    }

    /** Fails with 413 once more than {@code max} decompressed bytes were read. */
    private static final class Bounded extends FilterInputStream {
        private final long max;
        private long count;

        Bounded(InputStream in, long max) {
            super(in);
            this.max = max;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                counted(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                counted(n);
            }
            return n;
        }

        private void counted(int n) {
            count += n;
            if (count > max) {
                throw new ProblemException(Problem.of(413, "Content Too Large", "The decompressed request body exceeds "
                        + max + " bytes (quarkus.http.limits.max-body-size); nothing was stored, split it into smaller requests"));
            }
        }
    }
}
