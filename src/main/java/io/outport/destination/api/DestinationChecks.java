package io.outport.destination.api;

import io.outport.destination.DestinationStore;
import io.outport.platform.ApiException;

import java.util.Map;

/** The answer when a destination cannot be written to: a 400 naming what the store (or STS) said. */
public final class DestinationChecks {

    private DestinationChecks() {
    }

    public static ApiException refused(DestinationStore store, Throwable failure) {
        var d = store.destination();
        return new ApiException(400, "destination_check_failed", "Destination check failed",
                "Outport could not write a test object into s3://" + d.bucket() + "/" + d.prefix() + ": "
                        + store.describe(failure), null, Map.of());
    }
}
