package io.outport.platform;

import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The methods each API path answers, for the {@code Allow} header of a 405 and the answer to OPTIONS (RFC 9110):
 * the REST layer's own OPTIONS lists the methods of every path of a resource class, and its 405 has no Allow.
 * Written down rather than read from annotations at run time (a native image keeps none unless registered);
 * a test compares the table with the served OpenAPI document, so the two cannot drift apart.
 */
public class Routes {

    /** One path template and the methods that have an operation on it. */
    public record Route(String template, Set<String> methods, Pattern pattern) {
        static Route of(String template, String... methods) {
            return new Route(template, Set.of(methods),
                    Pattern.compile(template.replaceAll("\\{[^}]+}", "[^/]+")));
        }
    }

    public static final List<Route> ALL = List.of(
            Route.of("/v1/events", "GET", "POST"),
            Route.of("/v1/exports", "GET", "POST"),
            Route.of("/v1/exports/estimate", "POST"),
            Route.of("/v1/exports/{id}", "GET"),
            Route.of("/v1/exports/{id}/cancel", "POST"),
            Route.of("/v1/exports/{id}/download", "GET"),
            Route.of("/v1/exports/{id}/events", "GET"),
            Route.of("/v1/destinations", "GET", "POST"),
            Route.of("/v1/destinations/{id}", "GET", "DELETE"),
            Route.of("/v1/webhooks", "GET", "POST"),
            Route.of("/v1/webhooks/{id}", "GET", "DELETE"),
            Route.of("/v1/webhooks/{id}/deliveries", "GET"),
            Route.of("/v1/datasets", "GET"),
            Route.of("/v1/datasets/{name}", "GET"),
            Route.of("/v1/portal/sessions", "POST"),
            Route.of("/admin/v1/tenants", "GET", "POST"),
            Route.of("/admin/v1/tenants/by-external-id/{external_id}", "PUT"),
            Route.of("/admin/v1/tenants/{tenant_id}", "GET"),
            Route.of("/admin/v1/tenants/{tenant_id}/api-keys", "POST"),
            Route.of("/admin/v1/tenants/{tenant_id}/tokens", "POST"),
            Route.of("/admin/v1/tenants/{tenant_id}/tokens/revoke", "POST"),
            Route.of("/admin/v1/tenants/{tenant_id}/portal-links", "POST"),
            Route.of("/admin/v1/api-keys/{key_id}", "DELETE"),
            Route.of("/admin/v1/workers", "GET"));

    /** The Allow header for a path: its methods, HEAD where GET is, and OPTIONS; empty for no API path. */
    public static Optional<String> allow(String path) {
        for (Route r : ALL) {
            if (r.pattern().matcher(path).matches()) {
                Set<String> methods = new LinkedHashSet<>();
                for (String m : List.of("GET", "HEAD", "POST", "PUT", "DELETE")) {
                    if (r.methods().contains(m) || (m.equals("HEAD") && r.methods().contains("GET"))) {
                        methods.add(m);
                    }
                }
                methods.add("OPTIONS");
                return Optional.of(String.join(", ", methods));
            }
        }
        return Optional.empty();
    }

    /** Whether {@code method} has an operation on {@code path} (HEAD wherever GET has, OPTIONS everywhere). */
    public static boolean answers(String path, String method) {
        return allow(path).map(a -> java.util.Arrays.asList(a.split(", ")).contains(method)).orElse(false);
    }

    /** OPTIONS on an API path: 204 with its own methods (after authentication, like any other request). */
    @ServerRequestFilter(preMatching = true, priority = Priorities.USER + 10)
    public Optional<Response> options(ContainerRequestContext request) {
        if (!request.getMethod().equals("OPTIONS")) {
            return Optional.empty();
        }
        String path = request.getUriInfo().getPath();
        if (!path.startsWith("/v1/") && !path.startsWith("/admin/v1/")) {
            return Optional.empty();
        }
        String allow = allow(path).orElseThrow(() -> ApiException.notFound("No such resource"));
        return Optional.of(Response.noContent().header("Allow", allow).build());
    }
}
