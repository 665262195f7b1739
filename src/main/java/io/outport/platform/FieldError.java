package io.outport.platform;

/** One invalid input field of a request: {@code {"field": "events[3].occurred_at", "message": "..."}}. */
public record FieldError(String field, String message) {
}
