package io.outport.tenant;

import java.util.Set;
import java.util.UUID;

/** What a valid credential establishes, whatever its kind: the tenant it acts for and what it may do. */
public record Authenticated(UUID tenantId, Set<Scope> scopes) {
}
