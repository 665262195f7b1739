package io.outport.platform;

import java.util.List;
import java.util.Map;

/**
 * An error that the API reports to its caller as problem details: a status, a stable {@code code}, a
 * human detail, optionally the invalid fields and response headers (Retry-After, Location).
 */
public class ApiException extends RuntimeException {

    private final int status;
    private final String code;
    private final String title;
    private final List<FieldError> errors;
    private final Map<String, String> headers;

    public ApiException(int status, String code, String title, String detail, List<FieldError> errors,
                        Map<String, String> headers) {
        super(detail, null, false, false);
        this.status = status;
        this.code = code;
        this.title = title;
        this.errors = errors;
        this.headers = headers;
    }

    public static ApiException invalid(List<FieldError> errors) {
        String detail = errors.size() == 1
                ? errors.get(0).field() + " " + errors.get(0).message()
                : errors.size() + " invalid fields: " + errors.get(0).field() + " " + errors.get(0).message() + ", …";
        return new ApiException(400, "invalid_request", "Invalid request", detail, List.copyOf(errors), Map.of());
    }

    public static ApiException invalid(String field, String message) {
        return invalid(List.of(new FieldError(field, message)));
    }

    public static ApiException badRequest(String detail) {
        return new ApiException(400, "invalid_request", "Invalid request", detail, null, Map.of());
    }

    public static ApiException unauthorized(String detail) {
        return new ApiException(401, "unauthorized", "Unauthorized", detail, null,
                Map.of("WWW-Authenticate", "Bearer"));
    }

    public static ApiException notFound(String detail) {
        return new ApiException(404, "not_found", "Not found", detail, null, Map.of());
    }

    public static ApiException conflict(String code, String title, String detail) {
        return new ApiException(409, code, title, detail, null, Map.of());
    }

    public static ApiException gone(String code, String title, String detail) {
        return new ApiException(410, code, title, detail, null, Map.of());
    }

    public static ApiException tooMany(String code, String title, String detail, long retryAfterSeconds) {
        return new ApiException(429, code, title, detail, null,
                Map.of("Retry-After", Long.toString(Math.max(1, retryAfterSeconds))));
    }

    public static ApiException unavailable(String detail) {
        return new ApiException(503, "unavailable", "Service unavailable", detail, null, Map.of("Retry-After", "5"));
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public String title() {
        return title;
    }

    public List<FieldError> errors() {
        return errors;
    }

    public Map<String, String> headers() {
        return headers;
    }
}
