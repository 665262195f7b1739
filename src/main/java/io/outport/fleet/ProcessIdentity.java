package io.outport.fleet;

import jakarta.enterprise.context.ApplicationScoped;

import java.net.InetAddress;
import java.security.SecureRandom;

/**
 * Who this process is in the fleet: its host and an id unique to this run (the host plus a random suffix),
 * which is both its row in the worker registry and the {@code lease_owner} of the exports it runs. Made when
 * the bean is first used, never in a static initializer (a native image would freeze it at build time).
 */
@ApplicationScoped
public class ProcessIdentity {

    private final String host;
    private final String id;

    public ProcessIdentity() {
        this.host = hostname();
        this.id = host + "-" + Long.toString(new SecureRandom().nextLong() & Long.MAX_VALUE, 36);
    }

    public String id() {
        return id;
    }

    public String host() {
        return host;
    }

    private static String hostname() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "outport";
        }
    }
}
