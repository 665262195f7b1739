package io.outport.tenant;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.OffsetDateTime;
import java.util.UUID;

/** A customer of the product that deploys Outport; every other resource belongs to one. */
@Entity
@Table(name = "tenant")
public class Tenant extends PanacheEntityBase {

    @Id
    public UUID id;

    @Column(nullable = false, columnDefinition = "text")
    public String name;

    /** What the tenant columns of declared datasets hold for this tenant; its id unless set. */
    @Column(name = "external_id", nullable = false, columnDefinition = "text")
    public String externalId;

    /** The external id its customers put in their IAM roles' trust policies (destinations); random, stable. */
    @Column(name = "destination_external_id", nullable = false, columnDefinition = "text")
    public String destinationExternalId;

    @Column(name = "created_at", nullable = false, columnDefinition = "timestamptz")
    public OffsetDateTime createdAt;
}
