package dev.factorytelemetry.dashboard;

import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.util.Locale;

/**
 * {@code Cache-Control: no-cache} on a dashboard request from a caller whose key has
 * {@code telemetry.dashboard.cache-bypass-scope}: the answer is computed for this request (and replaces the cached
 * one). Answers say where they came from in {@code Cache-Status} (RFC 9211): {@code hit}, {@code fwd=miss} or
 * {@code fwd=request}.
 */
public class FreshReadFilter {

    private final CurrentIdentityAssociation identity;
    private final AnswerRequest answerRequest;
    private final DashboardConfig config;

    public FreshReadFilter(CurrentIdentityAssociation identity, AnswerRequest answerRequest, DashboardConfig config) {
        this.identity = identity;
        this.answerRequest = answerRequest;
        this.config = config;
    }

    @ServerRequestFilter
    public Uni<Void> markFreshReads(ContainerRequestContext request) {
        String cacheControl = request.getHeaderString(HttpHeaders.CACHE_CONTROL);
        if (cacheControl == null || !request.getUriInfo().getPath().startsWith("/api/v1/dashboard")
                || !cacheControl.toLowerCase(Locale.ROOT).contains("no-cache")) {
            return null;
        }
        String role = config.cacheBypassScope().wireName();
        return identity.getDeferredIdentity().invoke(caller -> {
            if (caller.hasRole(role)) {
                answerRequest.askFresh();
            }
        }).replaceWithVoid();
    }
}
