package dev.factorytelemetry.web;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * An RFC 9457 problem detail, sent as {@code application/problem+json} for every error answer.
 *
 * @param type   a URI naming the kind of problem ({@code about:blank} when the status says it all)
 * @param title  short summary of the kind of problem
 * @param status the HTTP status
 * @param detail what went wrong with this request, in words an operator can act on
 * @param errors for batches and validated input: each item or field that failed and why
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Problem(String type, String title, int status, String detail, List<FieldError> errors) {

    public static final String MEDIA_TYPE = "application/problem+json";

    /**
     * One failed item or field.
     *
     * @param index   position of the item in the submitted batch (or line number, 1-based, for line protocol)
     * @param field   the field (JSON pointer-like path) that is wrong
     * @param message why it was rejected
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record FieldError(Integer index, String field, String message) {
    }

    public static Problem of(int status, String title, String detail) {
        return new Problem("about:blank", title, status, detail, List.of());
    }

    public Problem withErrors(List<FieldError> errors) {
        return new Problem(type, title, status, detail, errors);
    }
}
