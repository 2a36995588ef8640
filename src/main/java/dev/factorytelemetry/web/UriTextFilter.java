package dev.factorytelemetry.web;

import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Path and query parameters (decoded) must be storable text like every JSON string ({@link StoredText}):
 * a {@code %00} in {@code ?lineCode=} would otherwise reach a SQL parameter and fail with 500. One check
 * for every endpoint, after authentication; answered 400 naming each parameter.
 */
public class UriTextFilter {

    @ServerRequestFilter(priority = Priorities.AUTHENTICATION + 100)
    public Response check(ContainerRequestContext request) {
        List<Problem.FieldError> errors = new ArrayList<>();
        collect(request.getUriInfo().getPathParameters(), errors);
        collect(request.getUriInfo().getQueryParameters(), errors);
        if (errors.isEmpty()) {
            return null;
        }
        return ProblemMappers.respond(Problem.of(400, "Invalid request",
                errors.size() + " parameter(s) cannot be used: " + errors.get(0).field() + " " + errors.get(0).message())
                .withErrors(errors));
    }

    private static void collect(MultivaluedMap<String, String> parameters, List<Problem.FieldError> errors) {
        for (Map.Entry<String, List<String>> parameter : parameters.entrySet()) {
            String nameProblem = StoredText.problem(parameter.getKey());
            if (nameProblem != null) {
                errors.add(new Problem.FieldError(null, "(parameter name)", nameProblem));
                continue;
            }
            for (String value : parameter.getValue()) {
                String problem = value == null ? null : StoredText.problem(value);
                if (problem != null) {
                    errors.add(new Problem.FieldError(null, parameter.getKey(), problem));
                    break;
                }
            }
        }
    }
}
