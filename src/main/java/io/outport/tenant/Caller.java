package io.outport.tenant;

import jakarta.enterprise.context.RequestScoped;

import java.util.Set;
import java.util.UUID;

/**
 * The authenticated caller of the current /v1 request, set by {@link ApiAuthentication} whatever the credential
 * (an API key or a host-signed token): its tenant and its scopes.
 */
@RequestScoped
public class Caller {

    private UUID tenantId;
    private Set<Scope> scopes = Set.of();

    public UUID tenantId() {
        if (tenantId == null) {
            throw new IllegalStateException("no authenticated tenant on this request");
        }
        return tenantId;
    }

    public Set<Scope> scopes() {
        return scopes;
    }

    void authenticated(UUID tenantId, Set<Scope> scopes) {
        this.tenantId = tenantId;
        this.scopes = Set.copyOf(scopes);
    }
}
