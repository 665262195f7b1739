package io.outport.support;

import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.blobstore.domain.StorageMetadata;
import org.jclouds.blobstore.options.ListContainerOptions;

import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * The customer's own object store: a second S3Proxy, with credentials of its own (not Outport's), holding the
 * bucket exports are delivered into. Started once per JVM; tests read what landed there through its blob store.
 */
public final class CustomerStore {

    public static final String ACCESS_KEY = "customer-access-key-0001";
    public static final String SECRET_KEY = "customer-secret-key-0001-do-not-log";
    public static final String BUCKET = "customer-exports";

    private static String endpoint;
    private static BlobStore blobs;

    private CustomerStore() {
    }

    /** Starts the store (once) and returns its endpoint, http://127.0.0.1:port. */
    public static synchronized String start() {
        if (endpoint != null) {
            return endpoint;
        }
        TestInfra.quietS3Proxy();
        try {
            blobs = ContextBuilder.newBuilder("transient").overrides(new Properties())
                    .credentials("identity", "credential").build(BlobStoreContext.class).getBlobStore();
            blobs.createContainerInLocation(null, BUCKET);
            int port;
            try (ServerSocket socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            String url = "http://127.0.0.1:" + port;
            S3Proxy proxy = S3Proxy.builder().blobStore(blobs).endpoint(URI.create(url))
                    .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                    // An assumed role's requests carry x-amz-security-token, which S3Proxy (no STS of its own) ignores.
                    .ignoreUnknownHeaders(true).build();
            proxy.start();
            while (!proxy.getState().equals("STARTED")) {
                Thread.onSpinWait();
            }
            endpoint = url;
            return endpoint;
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the customer's S3Proxy", e);
        }
    }

    /** The body of a POST /v1/destinations for this store's bucket under {@code prefix}, with these keys (mutable). */
    public static java.util.Map<String, Object> destination(String prefix, String accessKey, String secret) {
        java.util.Map<String, Object> b = new java.util.LinkedHashMap<>();
        b.put("type", "s3");
        b.put("bucket", BUCKET);
        b.put("prefix", prefix);
        b.put("endpoint", start());
        b.put("path_style", true);
        b.put("credentials", java.util.Map.of("access_key_id", accessKey, "secret_access_key", secret));
        return b;
    }

    /** The bytes of an object in the customer's bucket. */
    public static byte[] object(String key) {
        var blob = blobs.getBlob(BUCKET, key);
        if (blob == null) {
            throw new AssertionError("no object " + key + " in the customer's bucket");
        }
        try (InputStream in = blob.getPayload().openStream()) {
            return in.readAllBytes();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The keys under a prefix, sorted. */
    public static List<String> keys(String prefix) {
        List<String> keys = new ArrayList<>();
        for (StorageMetadata m : blobs.list(BUCKET, ListContainerOptions.Builder.prefix(prefix).recursive())) {
            keys.add(m.getName());
        }
        keys.sort(null);
        return keys;
    }

    /** Multipart uploads still open under a prefix. */
    public static long openUploads(String prefix) {
        return blobs.listMultipartUploads(BUCKET).stream().filter(u -> u.blobName().startsWith(prefix)).count();
    }

    /** An s3:// location's key, checked to be in the customer's bucket. */
    public static String keyOf(String location) {
        String head = "s3://" + BUCKET + "/";
        if (!location.startsWith(head)) {
            throw new AssertionError(location + " is not in the customer's bucket");
        }
        return location.substring(head.length());
    }
}
