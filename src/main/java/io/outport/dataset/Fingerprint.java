package io.outport.dataset;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.TreeSet;

/**
 * The fingerprint of a dataset's declaration as this process resolved it against the catalog: the relation,
 * every column with its type (in order), the tenant, time, id and incremental columns with their types, the
 * filterable columns and the database it is read from. An export records the fingerprint the API validated it
 * against; only a worker whose own declaration has the same fingerprint claims it, so an export never runs
 * against a declaration it was not validated for (a rolling deploy, a ConfigMap that reached some pods first).
 * 16 hex digits (the first 64 bits of a SHA-256): a collision between two declarations of one dataset name
 * is not a practical concern.
 */
public final class Fingerprint {

    private Fingerprint() {
    }

    /** {@code fromSource}: declared datasets read from the separate source database rather than the main one. */
    public static String of(Dataset d, boolean fromSource) {
        StringBuilder canonical = new StringBuilder()
                .append("relation=").append(d.relation()).append('\n')
                .append("database=").append(d.declared() && fromSource ? "source" : "main").append('\n')
                .append("tenant=").append(d.tenantColumn()).append(':').append(d.tenantType()).append('\n')
                .append("time=").append(d.timeColumn()).append(':').append(d.timeType()).append('\n')
                .append("id=").append(d.idColumn()).append(':').append(d.idType()).append('\n')
                .append("incremental=").append(d.incrementalColumn()).append(':').append(d.incrementalType()).append('\n')
                .append("filterable=").append(new TreeSet<>(d.filterable())).append('\n');
        for (Column c : d.columns()) {
            canonical.append("column=").append(c.name()).append(':').append(c.type()).append('\n');
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
