package io.outport.event;

import com.fasterxml.jackson.annotation.JsonRawValue;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.OffsetDateTime;
import java.util.Map;

/** An event as the API returns it; {@code properties} is passed through as stored JSON. */
@Schema(name = "Event")
public record EventView(
        long id,
        String type,
        OffsetDateTime occurred_at,
        @Schema(nullable = true, description = "null when the event has no user") String user_id,
        @JsonRawValue @Schema(implementation = Map.class, type = org.eclipse.microprofile.openapi.annotations.enums.SchemaType.OBJECT) String properties,
        OffsetDateTime received_at) {
}
