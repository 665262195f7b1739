package io.outport.platform.dev;

import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;

import java.io.File;
import java.net.URI;
import java.util.Properties;

/** Starts S3Proxy over a local folder (files survive restarts of dev mode). Dev mode only. */
final class EmbeddedS3 {

    private EmbeddedS3() {
    }

    static String start(int port, String key, String secret, String folder) throws Exception {
        new File(folder).mkdirs();
        Properties props = new Properties();
        props.setProperty("jclouds.filesystem.basedir", new File(folder).getAbsolutePath());
        var store = ContextBuilder.newBuilder("filesystem").overrides(props).credentials("identity", "credential")
                .build(BlobStoreContext.class).getBlobStore();
        String endpoint = "http://127.0.0.1:" + port;
        S3Proxy proxy = S3Proxy.builder().blobStore(store).endpoint(URI.create(endpoint))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, key, secret).build();
        proxy.start();
        while (!"STARTED".equals(proxy.getState())) {
            Thread.sleep(10);
        }
        return endpoint;
    }
}
