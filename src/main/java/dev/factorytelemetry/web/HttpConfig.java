package dev.factorytelemetry.web;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Request limits the service answers itself, with a problem body ({@link HttpLimits}). The HTTP codec's
 * own limits ({@code quarkus.http.limits.max-initial-line-length}, {@code max-header-size}) are set above
 * these as a hard ceiling: the codec refuses a request before the application sees it, without a body.
 */
@ConfigMapping(prefix = "telemetry.http")
public interface HttpConfig {

    /** Longest request line (method, URI with query string, protocol); longer → 414. */
    @WithDefault("4096")
    int maxRequestLineLength();

    /** Largest total size of the request headers (names and values); larger → 431. */
    @WithDefault("20K")
    MemorySize maxHeaderSize();
}
