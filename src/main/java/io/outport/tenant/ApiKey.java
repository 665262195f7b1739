package io.outport.tenant;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.OffsetDateTime;
import java.util.UUID;

/** An API key of a tenant, stored as the SHA-256 of the key; the key itself is never stored. */
@Entity
@Table(name = "api_key")
public class ApiKey extends PanacheEntityBase {

    @Id
    public UUID id;

    @Column(name = "tenant_id", nullable = false)
    public UUID tenantId;

    @Column(nullable = false, columnDefinition = "text")
    public String prefix;

    @Column(name = "key_hash", nullable = false, columnDefinition = "bytea")
    public byte[] keyHash;

    @Column(name = "created_at", nullable = false, columnDefinition = "timestamptz")
    public OffsetDateTime createdAt;

    /** Space-separated scopes ({@code outport:read outport:write}); null: every scope (keys issued by 0.1.0). */
    @Column(columnDefinition = "text")
    public String scopes;

    @Column(name = "revoked_at", columnDefinition = "timestamptz")
    public OffsetDateTime revokedAt;
}
