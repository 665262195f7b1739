package io.outport.platform;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.MDC;

import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * Gives every HTTP request an id: the caller's {@code X-Request-Id} when it is a sane token, else a new
 * {@code req_…} one. The id is echoed on every response (including /q/* and errors raised before any
 * resource runs) and put into the logging MDC as {@code request_id}.
 */
@ApplicationScoped
public class RequestIds {

    public static final String HEADER = "X-Request-Id";
    static final String KEY = "outport.request_id";
    private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();

    void register(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(this::assign);
    }

    private void assign(RoutingContext rc) {
        HttpServerRequest request = rc.request();
        String given = request.getHeader(HEADER);
        String id = given != null && SANE.matcher(given).matches() ? given : newId();
        rc.put(KEY, id);
        MDC.put("request_id", id);
        rc.response().putHeader(HEADER, id);
        rc.next();
    }

    /** The id of the request being served by {@code rc}, never null. */
    public static String of(RoutingContext rc) {
        Object id = rc == null ? null : rc.get(KEY);
        return id == null ? newId() : id.toString();
    }

    /** A new id: {@code req_} and 26 Crockford base32 characters (time-ordered like a ULID). */
    public static String newId() {
        char[] out = new char[26];
        long time = System.currentTimeMillis();
        for (int i = 9; i >= 0; i--) {
            out[i] = ALPHABET[(int) (time & 31)];
            time >>>= 5;
        }
        for (int i = 10; i < 26; i++) {
            // Request ids need to be unique, not secret: no SecureRandom (and its lock) per request.
            out[i] = ALPHABET[ThreadLocalRandom.current().nextInt(32)];
        }
        return "req_" + new String(out);
    }
}
