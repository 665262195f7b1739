package io.outport.platform;

import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Refuses a declared body over 1 MiB with a problem+json 413 before it is read. Chunked bodies that
 * grow past the limit are cut off by {@code quarkus.http.limits.max-body-size} as a backstop.
 */
@ApplicationScoped
public class BodyLimit {

    public static final long MAX_BYTES = 1024 * 1024;

    void register(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE + 1).handler(rc -> {
            String length = rc.request().getHeader("Content-Length");
            if (length != null && tooLarge(length)) {
                rc.response().putHeader("Connection", "close");
                ProblemMapper.write(rc, ProblemMapper.payloadTooLarge());
                return;
            }
            rc.next();
        });
    }

    private static boolean tooLarge(String length) {
        try {
            return Long.parseLong(length.trim()) > MAX_BYTES;
        } catch (NumberFormatException e) {
            return length.trim().length() > 7;
        }
    }
}
