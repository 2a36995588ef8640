package dev.factorytelemetry.auth;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Optional;

/**
 * Turns a presented API key into a {@link SecurityIdentity} through {@link ApiKeyService} (non-blocking,
 * cached): its scopes are its roles ({@code admin} holds them all) and the key's {@link ApiKeyService.Principal}
 * is the attribute {@link #KEY}. An unknown, revoked or expired key fails with {@link AuthenticationFailedException}
 * (401); a database failure propagates (503).
 */
@ApplicationScoped
public class ApiKeyIdentityProvider implements IdentityProvider<ApiKeyAuthenticationMechanism.ApiKeyRequest> {

    /** Attribute of the identity holding the {@link ApiKeyService.Principal}. */
    public static final String KEY = "api-key";

    private final ApiKeyService keys;

    public ApiKeyIdentityProvider(ApiKeyService keys) {
        this.keys = keys;
    }

    @Override
    public Class<ApiKeyAuthenticationMechanism.ApiKeyRequest> getRequestType() {
        return ApiKeyAuthenticationMechanism.ApiKeyRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(ApiKeyAuthenticationMechanism.ApiKeyRequest request,
                                              AuthenticationRequestContext context) {
        return keys.authenticate(request.key()).map(found -> found.map(ApiKeyIdentityProvider::identity)
                .orElseThrow(() -> new AuthenticationFailedException("The API key is unknown, revoked or expired")));
    }

    static SecurityIdentity identity(ApiKeyService.Principal principal) {
        return QuarkusSecurityIdentity.builder()
                .setPrincipal(new QuarkusPrincipal(principal.describe()))
                .addRoles(Scope.roles(principal.scopes()))
                .addAttribute(KEY, principal)
                .build();
    }

    /** The API key behind an identity; empty when authentication is off or the request is anonymous. */
    public static Optional<ApiKeyService.Principal> principal(SecurityIdentity identity) {
        return identity == null ? Optional.empty() : Optional.ofNullable(identity.getAttribute(KEY));
    }

    /** For audit columns and logs: "key 12 'line1-gateway'", or "anonymous" without a key. */
    public static String describe(SecurityIdentity identity) {
        return principal(identity).map(ApiKeyService.Principal::describe).orElse("anonymous");
    }
}
