package dev.factorytelemetry.auth;

import dev.factorytelemetry.web.InfluxErrors;
import dev.factorytelemetry.web.Problem;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Enforces {@link RequiresScope}: reads {@code Authorization: Bearer <key>} or {@code Token <key>}
 * (InfluxDB clients), verifies the key and its scope before the body is read. 401 (with
 * WWW-Authenticate) without a valid key, 403 with a key lacking the scope. Endpoints without the
 * annotation (and /q/*) stay open. Answers problem+json, or InfluxDB's error body under /api/v2/.
 */
public class ApiKeyAuthenticationFilter {

    private static final Map<Method, Optional<Scope>> REQUIRED = new ConcurrentHashMap<>();

    private final ApiKeyService keys;
    private final AuthConfig config;
    private final CurrentCaller caller;

    public ApiKeyAuthenticationFilter(ApiKeyService keys, AuthConfig config, CurrentCaller caller) {
        this.keys = keys;
        this.config = config;
        this.caller = caller;
    }

    @ServerRequestFilter(priority = Priorities.AUTHENTICATION)
    public Uni<Response> authenticate(ContainerRequestContext request, ResourceInfo resource) {
        Method method = resource.getResourceMethod();
        Optional<Scope> required = method == null ? Optional.empty() : REQUIRED.computeIfAbsent(method, m -> {
            RequiresScope onMethod = m.getAnnotation(RequiresScope.class);
            RequiresScope onClass = resource.getResourceClass().getAnnotation(RequiresScope.class);
            RequiresScope r = onMethod != null ? onMethod : onClass;
            return Optional.ofNullable(r).map(RequiresScope::value);
        });
        if (required.isEmpty() || !config.enabled()) {
            return Uni.createFrom().nullItem();
        }
        boolean influx = request.getUriInfo().getPath().startsWith("/api/v2/");
        String key = presentedKey(request.getHeaderString(HttpHeaders.AUTHORIZATION));
        if (key == null) {
            return Uni.createFrom().item(unauthorized(influx, "This endpoint needs an API key: send 'Authorization: Bearer <key>'"));
        }
        Scope scope = required.get();
        return keys.authenticate(key).map(principal -> {
            if (principal.isEmpty()) {
                return unauthorized(influx, "The API key is unknown, revoked or expired");
            }
            if (!principal.get().holds(scope)) {
                return error(Problem.of(403, "Forbidden", "API key " + principal.get().keyId() + " ('" + principal.get().name()
                        + "') lacks the '" + scope.wireName() + "' scope this endpoint needs"), influx);
            }
            caller.set(principal.get());
            return null;
        });
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

    private static Response unauthorized(boolean influx, String detail) {
        return Response.fromResponse(error(Problem.of(401, "Unauthorized", detail), influx))
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"factory-telemetry\"")
                .build();
    }

    private static Response error(Problem problem, boolean influx) {
        if (influx) {
            return Response.status(problem.status()).type(MediaType.APPLICATION_JSON).entity(InfluxErrors.body(problem)).build();
        }
        return Response.status(problem.status()).type(Problem.MEDIA_TYPE).entity(problem).build();
    }
}
