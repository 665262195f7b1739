package io.outport.event;

import java.time.OffsetDateTime;

/** A validated event of an ingest batch; {@code properties} is its JSON text. */
public record NewEvent(String type, OffsetDateTime occurredAt, String userId, String properties) {
}
