package dev.factorytelemetry.web;

import dev.factorytelemetry.platform.PlatformConfig;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.Comparator;
import java.util.List;

/** Turns every failure into {@code application/problem+json}; database outages into 503 + Retry-After. */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    private final PlatformConfig platformConfig;

    public ProblemMappers(PlatformConfig platformConfig) {
        this.platformConfig = platformConfig;
    }

    @ServerExceptionMapper
    public Response problem(ProblemException e) {
        return respond(e.problem());
    }

    @ServerExceptionMapper
    public Response constraintViolation(ConstraintViolationException e) {
        List<Problem.FieldError> errors = e.getConstraintViolations().stream()
                .sorted(Comparator.comparing(v -> v.getPropertyPath().toString()))
                .map(ProblemMappers::fieldError)
                .toList();
        return respond(Problem.of(400, "Invalid request", errors.size() + " parameter(s) are invalid").withErrors(errors));
    }

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        Response.StatusType type = Response.Status.fromStatusCode(status);
        String title = type != null ? type.getReasonPhrase() : "HTTP " + status;
        return respond(Problem.of(status, title, e.getMessage()));
    }

    @ServerExceptionMapper(priority = 10_000)
    public Response unexpected(Throwable e) {
        if (DatabaseUnavailableException.isUnavailable(e)) {
            return databaseUnavailable(e);
        }
        LOG.error("Unhandled failure", e);
        return respond(Problem.of(500, "Internal error",
                "The service failed unexpectedly; the error is logged with its cause. Nothing of this request was acknowledged."));
    }

    private Response databaseUnavailable(Throwable e) {
        LOG.warnf("Database unavailable: %s", e.getMessage());
        long seconds = retryAfterSeconds(platformConfig);
        return Response.fromResponse(respond(Problem.of(503, "Database unavailable",
                        "The database cannot be reached right now; nothing of this request was stored. Retry after "
                                + seconds + " s.")))
                .header("Retry-After", seconds)
                .build();
    }

    /** The Retry-After of 503 answers, in whole seconds (at least 1). */
    static long retryAfterSeconds(PlatformConfig platformConfig) {
        return Math.max(1, platformConfig.retryAfter().toSeconds());
    }

    private static Problem.FieldError fieldError(ConstraintViolation<?> v) {
        String path = v.getPropertyPath().toString();
        // method.argName.field -> argName.field (drop the resource method name)
        int dot = path.indexOf('.');
        return new Problem.FieldError(null, dot >= 0 ? path.substring(dot + 1) : path, v.getMessage());
    }

    static Response respond(Problem problem) {
        return Response.status(problem.status()).type(Problem.MEDIA_TYPE).entity(problem).build();
    }
}
