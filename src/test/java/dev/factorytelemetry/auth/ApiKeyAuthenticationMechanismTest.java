package dev.factorytelemetry.auth;

import io.quarkus.security.identity.SecurityIdentity;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTTP side of API keys without a server: header parsing, scopes as roles, authentication turned off. */
class ApiKeyAuthenticationMechanismTest {

    private static AuthConfig config(boolean enabled) {
        return new AuthConfig() {
            @Override
            public boolean enabled() {
                return enabled;
            }

            @Override
            public Optional<String> bootstrapAdminKey() {
                return Optional.empty();
            }

            @Override
            public Duration cacheTtl() {
                return Duration.ofSeconds(30);
            }
        };
    }

    @Test
    void bearerAndTokenSchemesCarryTheKey() {
        assertEquals("ftk_abc", ApiKeyAuthenticationMechanism.presentedKey("Bearer ftk_abc"));
        assertEquals("ftk_abc", ApiKeyAuthenticationMechanism.presentedKey("token  ftk_abc "));
        assertNull(ApiKeyAuthenticationMechanism.presentedKey("Basic dXNlcjpwYXNz"));
        assertNull(ApiKeyAuthenticationMechanism.presentedKey("Bearer"));
        assertNull(ApiKeyAuthenticationMechanism.presentedKey("Bearer " + "k".repeat(513)));
        assertNull(ApiKeyAuthenticationMechanism.presentedKey(null));
    }

    @Test
    void adminHoldsEveryRoleOthersOnlyTheirOwn() {
        assertEquals(Set.of("ingest", "read", "admin"), Scope.roles(EnumSet.of(Scope.ADMIN)));
        assertEquals(Set.of("read"), Scope.roles(EnumSet.of(Scope.READ)));
        SecurityIdentity identity = ApiKeyIdentityProvider.identity(
                new ApiKeyService.Principal(12, "line1-gateway", EnumSet.of(Scope.INGEST)));
        assertTrue(identity.hasRole("ingest"));
        assertFalse(identity.hasRole("read"));
        assertEquals("key 12 'line1-gateway'", ApiKeyIdentityProvider.describe(identity));
    }

    @Test
    void withAuthenticationOffEveryRequestHoldsEveryScope() {
        // the routing context is not consulted when authentication is off
        SecurityIdentity identity = new ApiKeyAuthenticationMechanism(config(false)).authenticate(null, null)
                .await().indefinitely();
        assertTrue(identity.hasRole("admin") && identity.hasRole("ingest") && identity.hasRole("read"));
        assertEquals("anonymous", ApiKeyIdentityProvider.describe(identity));
    }
}
