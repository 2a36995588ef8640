package dev.factorytelemetry.auth;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** API-key authentication (docs/auth.md). */
@ConfigMapping(prefix = "telemetry.auth")
public interface AuthConfig {

    /**
     * Check API keys on endpoints annotated {@code @RolesAllowed}. Turn off only behind a gateway that
     * authenticates itself; every request then passes as if it held every scope.
     */
    @WithDefault("true")
    boolean enabled();

    /**
     * A key with the admin scope that is not stored in the database (set it from a secret, e.g. the
     * environment variable TELEMETRY_AUTH_BOOTSTRAP_ADMIN_KEY), to create the first keys. At least 32
     * characters. Remove it once real admin keys exist.
     */
    Optional<String> bootstrapAdminKey();

    /**
     * How long a looked-up key (valid or not) is remembered. A key revoked through another replica
     * (or directly in the database) stops working after at most this long; revoking through this
     * replica takes effect at once.
     */
    @WithDefault("30s")
    Duration cacheTtl();
}
