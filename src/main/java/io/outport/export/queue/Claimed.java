package io.outport.export.queue;

import io.outport.export.Export;

/** An export this worker holds the lease of: every write about it is fenced by (id, attempt, owner). */
public record Claimed(Export export, String owner) {

    public int attempt() {
        return export.attempt();
    }
}
