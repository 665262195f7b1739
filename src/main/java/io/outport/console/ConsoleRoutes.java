package io.outport.console;

import io.outport.platform.OutportConfig;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * The web console for a tenant's people: {@code GET /console} serves its page (static files under
 * {@code META-INF/resources/console/}, which call the tenant API from the browser with the pasted key). Every
 * file of it carries a Content-Security-Policy that allows nothing from elsewhere: the page works offline and
 * an injected script could not send the key anywhere. Served only where the API is.
 */
@ApplicationScoped
public class ConsoleRoutes {

    static final String POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';"
            + " img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    private final OutportConfig config;

    public ConsoleRoutes(OutportConfig config) {
        this.config = config;
    }

    void register(@Observes Router router) {
        router.routeWithRegex("/console(/.*)?").order(Integer.MIN_VALUE + 3).handler(rc -> {
            if (!config.api().enabled()) {
                rc.response().setStatusCode(404).end();
                return;
            }
            rc.response().putHeader("Content-Security-Policy", POLICY)
                    .putHeader("X-Content-Type-Options", "nosniff")
                    .putHeader("Referrer-Policy", "no-referrer")
                    .putHeader("Cache-Control", "no-cache");
            if (rc.normalizedPath().equals("/console")) {
                rc.reroute("/console/index.html");
                return;
            }
            rc.next();
        });
    }
}
