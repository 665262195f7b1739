package io.outport.destination;

import io.vertx.mutiny.sqlclient.Row;

import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * A tenant's S3-compatible bucket that exports can be written into (a row of table {@code destination}).
 * Credentials are a role to assume ({@code roleArn}, {@code externalId}) or access keys ({@code accessKeyId} and
 * the sealed secret access key, {@link SecretBox}); {@code secretKeyId} names the key the destination needs.
 */
public record Destination(UUID id, UUID tenantId, String bucket, String prefix, String region, String endpoint,
                          boolean pathStyle, String roleArn, String externalId, String accessKeyId, byte[] secret,
                          String secretKeyId, OffsetDateTime createdAt, OffsetDateTime deletedAt) {

    static final String COLUMNS = "id, tenant_id, bucket, prefix, region, endpoint, path_style, role_arn, external_id,"
            + " access_key_id, secret, secret_key_id, created_at, deleted_at";

    static Destination from(Row r) {
        var secret = r.getBuffer("secret");
        return new Destination(r.getUUID("id"), r.getUUID("tenant_id"), r.getString("bucket"), r.getString("prefix"),
                r.getString("region"), r.getString("endpoint"), r.getBoolean("path_style"), r.getString("role_arn"),
                r.getString("external_id"), r.getString("access_key_id"), secret == null ? null : secret.getBytes(),
                r.getString("secret_key_id"), r.getOffsetDateTime("created_at"), r.getOffsetDateTime("deleted_at"));
    }

    public boolean assumesRole() {
        return roleArn != null;
    }

    /** Where an object of this destination is, as clients name it: {@code s3://bucket/key}. */
    public String location(String key) {
        return "s3://" + bucket + "/" + key;
    }

    /** Never the sealed secret, not even its length. */
    @Override
    public String toString() {
        return "Destination[" + id + ", s3://" + bucket + "/" + prefix + (endpoint == null ? "" : " at " + endpoint) + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Destination d && d.id.equals(id) && d.secretKeyId.equals(secretKeyId)
                && java.util.Objects.equals(d.deletedAt, deletedAt);
    }

    @Override
    public int hashCode() {
        return id.hashCode();
    }
}
