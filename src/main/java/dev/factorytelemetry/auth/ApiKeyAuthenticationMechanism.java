package dev.factorytelemetry.auth;

import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.security.identity.request.BaseAuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.quarkus.vertx.http.runtime.security.HttpCredentialTransport;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.EnumSet;
import java.util.Set;

/**
 * Reads {@code Authorization: Bearer <key>} or {@code Token <key>} (InfluxDB clients) and hands the key to
 * {@link ApiKeyIdentityProvider}. A request without a usable header is anonymous, so endpoints without
 * {@code @RolesAllowed} (and /q/*) stay open; {@code @RolesAllowed} then answers 401 (see
 * {@link AuthExceptionMappers}). With {@code telemetry.auth.enabled=false} every request is an identity
 * holding every scope. Authentication is lazy ({@code quarkus.http.auth.proactive=false}): it runs when
 * Quarkus REST checks {@code @RolesAllowed}, before the body is read.
 */
@ApplicationScoped
public class ApiKeyAuthenticationMechanism implements HttpAuthenticationMechanism {

    /** What the 401 answers announce. */
    static final String CHALLENGE = "Bearer realm=\"factory-telemetry\"";

    /** A presented API key, for {@link ApiKeyIdentityProvider}. */
    public static final class ApiKeyRequest extends BaseAuthenticationRequest {
        private final String key;

        ApiKeyRequest(String key) {
            this.key = key;
        }

        public String key() {
            return key;
        }
    }

    private static final SecurityIdentity UNCHECKED = QuarkusSecurityIdentity.builder()
            .setPrincipal(new QuarkusPrincipal("unchecked"))
            .addRoles(Scope.roles(EnumSet.allOf(Scope.class)))
            .build();

    private final AuthConfig config;

    public ApiKeyAuthenticationMechanism(AuthConfig config) {
        this.config = config;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identityProviderManager) {
        if (!config.enabled()) {
            return Uni.createFrom().item(UNCHECKED);
        }
        String key = presentedKey(context.request().getHeader(HttpHeaders.AUTHORIZATION));
        if (key == null) {
            return Uni.createFrom().nullItem();
        }
        return identityProviderManager.authenticate(new ApiKeyRequest(key));
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        return Uni.createFrom().item(new ChallengeData(401, "WWW-Authenticate", CHALLENGE));
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(ApiKeyRequest.class);
    }

    @Override
    public Uni<HttpCredentialTransport> getCredentialTransport(RoutingContext context) {
        return Uni.createFrom().item(new HttpCredentialTransport(HttpCredentialTransport.Type.AUTHORIZATION, "bearer"));
    }

    /** The key of "Bearer <key>" or "Token <key>" (scheme case-insensitive), or null. */
    static String presentedKey(String authorization) {
        if (authorization == null) {
            return null;
        }
        String value = authorization.trim();
        int space = value.indexOf(' ');
        if (space < 0) {
            return null;
        }
        String scheme = value.substring(0, space);
        String key = value.substring(space + 1).trim();
        if (key.isEmpty() || key.length() > 512) {
            return null;
        }
        return scheme.equalsIgnoreCase("Bearer") || scheme.equalsIgnoreCase("Token") ? key : null;
    }
}
