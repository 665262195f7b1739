package io.outport.console;

import io.outport.platform.Json;
import io.outport.platform.OutportConfig;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The web console for a tenant's people: {@code GET /console} serves its page (static files under
 * {@code META-INF/resources/console/}, which call the tenant API from the browser with the credential the tab
 * holds: a pasted key, or the session a portal link gave it). Every file of it carries a Content-Security-Policy
 * that allows nothing from elsewhere but the product's logo (OUTPORT_CONSOLE_LOGO_URL, exactly that URL): the
 * page works offline and an injected script could not send a credential anywhere. The product's name, logo and
 * accent come from {@code /console/branding.json}; OUTPORT_CONSOLE_FRAME_ANCESTORS lets the product frame the
 * page. Served only where the API is.
 */
@ApplicationScoped
public class ConsoleRoutes {

    private final OutportConfig config;
    private final String policy;
    private final String branding;

    public ConsoleRoutes(OutportConfig config) {
        this.config = config;
        this.policy = policy(config.console());
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("title", config.console().title());
        b.put("logo_url", config.console().logoUrl().orElse(null));
        b.put("accent", config.console().accent());
        this.branding = Json.write(b);
    }

    /** The page's policy: its own origin only, plus the logo's exact URL and the allowed framing origins. */
    static String policy(OutportConfig.Console console) {
        String logo = console.logoUrl().map(u -> " " + u).orElse("");
        String frames = console.frameAncestors().filter(l -> !l.isEmpty()).map(l -> String.join(" ", l)).orElse("'none'");
        return "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:" + logo
                + "; form-action 'self'; base-uri 'none'; frame-ancestors " + frames;
    }

    void register(@Observes Router router) {
        router.routeWithRegex("/console(/.*)?").order(Integer.MIN_VALUE + 3).handler(rc -> {
            if (!config.api().enabled()) {
                rc.response().setStatusCode(404).end();
                return;
            }
            rc.response().putHeader("Content-Security-Policy", policy)
                    .putHeader("X-Content-Type-Options", "nosniff")
                    .putHeader("Referrer-Policy", "no-referrer")
                    .putHeader("Cache-Control", "no-cache");
            if (config.console().frameAncestors().filter(l -> !l.isEmpty()).isEmpty()) {
                rc.response().putHeader("X-Frame-Options", "DENY");
            }
            if (rc.normalizedPath().equals("/console")) {
                rc.reroute("/console/index.html");
                return;
            }
            if (rc.normalizedPath().equals("/console/branding.json")) {
                rc.response().putHeader("Content-Type", "application/json").end(branding);
                return;
            }
            rc.next();
        });
    }
}
