package dev.factorytelemetry.web;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The InfluxDB v2 API's error body ({@code {"code": …, "message": …}}), which InfluxDB clients (Telegraf,
 * client libraries) parse: every error answer under {@code /api/v2/} has this shape instead of problem+json.
 */
public final class InfluxErrors {

    private InfluxErrors() {
    }

    /** Whether answers to this request path use InfluxDB's error body. */
    public static boolean applies(String path) {
        return path != null && path.startsWith("/api/v2/");
    }

    /** InfluxDB v2 error body: code (invalid, unprocessable entity, request too large, ...) and message. */
    public static Map<String, String> body(Problem problem) {
        String code = switch (problem.status()) {
            case 400, 414, 431 -> "invalid";
            case 405 -> "method not allowed";
            case 401 -> "unauthorized";
            case 403 -> "forbidden";
            case 404 -> "not found";
            case 413 -> "request too large";
            case 415 -> "unsupported media type";
            case 422 -> "unprocessable entity";
            case 429 -> "too many requests";
            case 503 -> "unavailable";
            default -> "internal error";
        };
        String message = problem.detail();
        if (problem.errors() != null && !problem.errors().isEmpty()) {
            message = message + ": " + problem.errors().stream()
                    .map(e -> (e.index() != null ? "line " + e.index() + ": " : "") + e.message())
                    .collect(Collectors.joining("; "));
        }
        Map<String, String> body = new LinkedHashMap<>();
        body.put("code", code);
        body.put("message", message == null ? problem.title() : message);
        return body;
    }
}
