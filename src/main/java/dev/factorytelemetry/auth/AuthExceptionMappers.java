package dev.factorytelemetry.auth;

import dev.factorytelemetry.web.InfluxErrors;
import dev.factorytelemetry.web.Problem;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.lang.reflect.Method;

/**
 * The answers of {@code @RolesAllowed} checks (they run before the body is read): no or a malformed key,
 * or an unknown, revoked or expired one → 401 with {@code WWW-Authenticate}; a key without the scope →
 * 403. problem+json, or InfluxDB's error body under /api/v2/. Replace Quarkus REST's own mappers
 * (which answer without a body).
 */
public class AuthExceptionMappers {

    private final SecurityIdentity identity;

    public AuthExceptionMappers(SecurityIdentity identity) {
        this.identity = identity;
    }

    @ServerExceptionMapper
    public Response noKey(UnauthorizedException e, UriInfo uri) {
        return unauthorized(uri, "This endpoint needs an API key: send 'Authorization: Bearer <key>'");
    }

    @ServerExceptionMapper
    public Response badKey(AuthenticationFailedException e, UriInfo uri) {
        return unauthorized(uri, e.getMessage() != null ? e.getMessage() : "The API key is unknown, revoked or expired");
    }

    @ServerExceptionMapper
    public Response lacksScope(ForbiddenException e, UriInfo uri, ResourceInfo resource) {
        return error(uri, Problem.of(403, "Forbidden", "API key " + ApiKeyIdentityProvider.describe(identity)
                .replaceFirst("^key ", "") + " lacks the " + requiredScopes(resource) + " scope this endpoint needs"));
    }

    private static String requiredScopes(ResourceInfo resource) {
        Method method = resource.getResourceMethod();
        RolesAllowed roles = method == null ? null : method.getAnnotation(RolesAllowed.class);
        if (roles == null && resource.getResourceClass() != null) {
            roles = resource.getResourceClass().getAnnotation(RolesAllowed.class);
        }
        return roles == null ? "required" : "'" + String.join("' or '", roles.value()) + "'";
    }

    private static Response unauthorized(UriInfo uri, String detail) {
        return Response.fromResponse(error(uri, Problem.of(401, "Unauthorized", detail)))
                .header(HttpHeaders.WWW_AUTHENTICATE, ApiKeyAuthenticationMechanism.CHALLENGE)
                .build();
    }

    private static Response error(UriInfo uri, Problem problem) {
        if (InfluxErrors.applies(uri.getPath())) {
            return Response.status(problem.status()).type(MediaType.APPLICATION_JSON).entity(InfluxErrors.body(problem)).build();
        }
        return Response.status(problem.status()).type(Problem.MEDIA_TYPE).entity(problem).build();
    }
}
