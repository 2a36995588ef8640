package dev.factorytelemetry.web;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * Error answers under {@code /api/v2/} use InfluxDB's error JSON whoever produced them (exception mappers,
 * filters, the REST layer's own 404/405/415), so InfluxDB clients can always parse them.
 */
public class InfluxErrorFilter {

    @ServerResponseFilter
    public void toInfluxShape(ContainerRequestContext request, ContainerResponseContext response) {
        if (response.getEntity() instanceof Problem problem && InfluxErrors.applies(request.getUriInfo().getPath())) {
            response.setEntity(InfluxErrors.body(problem), null, MediaType.APPLICATION_JSON_TYPE);
        }
    }
}
