package io.outport.platform;

import com.fasterxml.jackson.core.JacksonException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.Map;

/**
 * The one place where exceptions become HTTP responses: every error leaves as problem+json with a
 * stable {@code code} and the request id, never an exception class name or a stack trace.
 */
public class ProblemMapper {

    private static final Logger LOG = Logger.getLogger(ProblemMapper.class);
    private static final String TYPE = "https://outport.dev/problems/";

    @ServerExceptionMapper
    public Response api(ApiException e, HttpServerRequest request) {
        return respond(request, e);
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, HttpServerRequest request) {
        int status = e.getResponse() == null ? 500 : e.getResponse().getStatus();
        ApiException mapped = switch (status) {
            case 400 -> ApiException.badRequest("The request could not be read");
            case 401 -> ApiException.unauthorized("Missing or invalid credentials");
            // A path served by two resource classes (exports and their event stream) is matched to one of
            // them first; a method only the other lacks comes out as 404. The route table knows better.
            case 404 -> Routes.allow(request.path()).isPresent() && !Routes.answers(request.path(), request.method().name())
                    ? methodNotAllowed(request) : ApiException.notFound("No such resource");
            case 405 -> methodNotAllowed(request);
            case 406 -> new ApiException(406, "not_acceptable", "Not acceptable",
                    "This resource produces application/json", null, Map.of());
            case 413 -> payloadTooLarge();
            case 415 -> new ApiException(415, "unsupported_media_type", "Unsupported media type",
                    "The request body must be application/json", null, Map.of());
            default -> status >= 500 ? null : new ApiException(status, "invalid_request", "Invalid request",
                    "The request could not be processed", null, Map.of());
        };
        return mapped == null ? unexpected(e, request) : respond(request, mapped);
    }

    private static ApiException methodNotAllowed(HttpServerRequest request) {
        return new ApiException(405, "method_not_allowed", "Method not allowed",
                "The method " + request.method() + " is not allowed on this resource", null,
                Routes.allow(request.path()).map(allow -> Map.of("Allow", allow)).orElse(Map.of()));
    }

    @ServerExceptionMapper
    public Response json(JacksonException e, HttpServerRequest request) {
        return respond(request, ApiException.badRequest("The request body is not valid JSON"));
    }

    @ServerExceptionMapper
    public Response other(Throwable e, HttpServerRequest request) {
        if (Failures.isUnavailable(e)) {
            LOG.warnf("dependency unavailable: %s", Failures.describe(e));
            return respond(request, ApiException.unavailable("A dependency of the service is unavailable; retry later"));
        }
        return unexpected(e, request);
    }

    public static ApiException payloadTooLarge() {
        return new ApiException(413, "payload_too_large", "Payload too large",
                "The request body exceeds the limit of 1 MiB", null, Map.of());
    }

    private Response unexpected(Throwable e, HttpServerRequest request) {
        LOG.error("unexpected error", e);
        return respond(request, new ApiException(500, "internal_error", "Internal error",
                "An unexpected error occurred; it has been logged", null, Map.of()));
    }

    static Response respond(HttpServerRequest request, ApiException e) {
        String requestId = requestId(request);
        Problem body = new Problem(TYPE + e.code(), e.title(), e.status(), e.getMessage(), e.code(), requestId,
                e.errors());
        Response.ResponseBuilder rb = Response.status(e.status()).type(Problem.MEDIA_TYPE).entity(body);
        e.headers().forEach(rb::header);
        return rb.build();
    }

    /** Writes a problem straight to a Vert.x response, for errors raised before the REST layer. */
    public static void write(RoutingContext rc, ApiException e) {
        HttpServerResponse response = rc.response();
        Problem body = new Problem(TYPE + e.code(), e.title(), e.status(), e.getMessage(), e.code(),
                RequestIds.of(rc), e.errors());
        e.headers().forEach(response::putHeader);
        response.setStatusCode(e.status()).putHeader("Content-Type", Problem.MEDIA_TYPE)
                .end(Json.write(body));
    }

    private static String requestId(HttpServerRequest request) {
        String id = request == null ? null : request.response().headers().get(RequestIds.HEADER);
        return id == null ? RequestIds.newId() : id;
    }
}
