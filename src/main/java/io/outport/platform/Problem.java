package io.outport.platform;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.List;

/** RFC 9457 problem details, the body of every error response (docs/api.md, errors). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(name = "Problem", description = "RFC 9457 problem details; every error has this shape")
public record Problem(
        @Schema(example = "https://outport.dev/problems/invalid_request") String type,
        @Schema(example = "Invalid request") String title,
        @Schema(example = "400") int status,
        @Schema(example = "filters.from must be before filters.to") String detail,
        @Schema(example = "invalid_request") String code,
        @Schema(example = "req_01JB7Q0T6M4B5W2C9K7Z3N8R1X") String request_id,
        List<FieldError> errors) {

    public static final String MEDIA_TYPE = "application/problem+json";
}
