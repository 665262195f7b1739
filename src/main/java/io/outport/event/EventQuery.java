package io.outport.event;

import java.time.OffsetDateTime;
import java.util.List;

/** A validated list request: filters, page size and the position after which the page starts. */
public record EventQuery(OffsetDateTime from, OffsetDateTime to, List<String> types, String userId, int limit,
                         OffsetDateTime afterTime, Long afterId) {
}
