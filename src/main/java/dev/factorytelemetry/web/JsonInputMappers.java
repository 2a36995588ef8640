package dev.factorytelemetry.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.time.temporal.Temporal;
import java.util.List;

/**
 * JSON bodies that do not parse or do not bind to the endpoint's type: 400 problem+json naming the
 * field and what was expected (instead of an empty 400).
 */
public class JsonInputMappers {

    /** Declared for the exact type, which Quarkus' own (non-problem) mapper would otherwise win. */
    @ServerExceptionMapper(priority = 1)
    public Response mismatchedInput(MismatchedInputException e) {
        return mappingFailure(e);
    }

    @ServerExceptionMapper(priority = 1)
    public Response mappingFailure(JsonMappingException e) {
        String field = path(e);
        String message = reason(e);
        return ProblemMappers.respond(Problem.of(400, "Invalid request", "The body does not match the expected structure"
                        + (field.isEmpty() ? "" : " at '" + field + "'") + ": " + message)
                .withErrors(List.of(new Problem.FieldError(null, field, message))));
    }

    @ServerExceptionMapper(priority = 1)
    public Response malformedJson(JsonProcessingException e) {
        return ProblemMappers.respond(Problem.of(400, "Invalid request", "The body is not valid JSON: " + e.getOriginalMessage()));
    }

    /** Why a value did not bind, in words for the client (the field is named separately, see {@link #path}). */
    public static String reason(JsonMappingException e) {
        if (e instanceof StrictJson.UnstorableText) {
            return e.getOriginalMessage();
        }
        if (e instanceof UnrecognizedPropertyException) {
            return "is not a member of this body (misspelt?)";
        }
        String original = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        if (original.startsWith("Missing required creator property")) {
            return "is required (give null explicitly where null is meant)";
        }
        if (e instanceof MismatchedInputException mismatch) {
            return expected(mismatch.getTargetType());
        }
        if (e.getCause() instanceof com.fasterxml.jackson.core.exc.InputCoercionException) {
            return "is out of range for an integer";
        }
        return original;
    }

    /** Dotted path of the field that failed (array items as [i]). */
    public static String path(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    /** What a value bound to {@code target} must look like, in words for the client. */
    public static String expected(Class<?> target) {
        if (target == null) {
            return "has the wrong JSON type";
        }
        if (Temporal.class.isAssignableFrom(target)) {
            return java.time.LocalDate.class.equals(target) ? "must be a date (YYYY-MM-DD)"
                    : java.time.LocalTime.class.equals(target) ? "must be a time of day (HH:mm[:ss])"
                    : "must be an RFC 3339 timestamp with offset, e.g. 2026-11-26T04:30:00Z";
        }
        if (Number.class.isAssignableFrom(target) || target.isPrimitive() && target != boolean.class) {
            return Integer.class.equals(target) || Long.class.equals(target) || Short.class.equals(target)
                    || int.class.equals(target) || long.class.equals(target)
                    ? "must be an integer (within range)" : "must be a number";
        }
        if (Boolean.class.equals(target) || boolean.class.equals(target)) {
            return "must be true or false";
        }
        if (String.class.equals(target)) {
            return "must be a string";
        }
        if (java.util.UUID.class.equals(target)) {
            return "must be a UUID";
        }
        if (java.util.Collection.class.isAssignableFrom(target) || target.isArray()) {
            return "must be an array";
        }
        return "must be a JSON object";
    }
}
