package io.outport.tenant;

import jakarta.enterprise.context.RequestScoped;

import java.util.UUID;

/** The authenticated tenant of the current /v1 request, set by {@link ApiAuthentication}. */
@RequestScoped
public class Caller {

    private UUID tenantId;

    public UUID tenantId() {
        if (tenantId == null) {
            throw new IllegalStateException("no authenticated tenant on this request");
        }
        return tenantId;
    }

    void authenticated(UUID tenantId) {
        this.tenantId = tenantId;
    }
}
