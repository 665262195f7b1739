package io.outport.support;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.report.ValidationReport;
import com.atlassian.oai.validator.restassured.RestAssuredRequest;
import com.atlassian.oai.validator.restassured.RestAssuredResponse;
import io.restassured.filter.Filter;
import io.restassured.filter.FilterContext;
import io.restassured.response.Response;
import io.restassured.specification.FilterableRequestSpecification;
import io.restassured.specification.FilterableResponseSpecification;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks every response a REST Assured test receives against the OpenAPI document the build generated
 * (the one the service serves): status codes, headers, media types and bodies, nulls included; and every
 * request the service accepted (one it refused may be invalid on purpose). Paths the document does not
 * describe (/q/*) are not checked. Installed for every test by {@link TestInfra}.
 */
public final class ContractCheck implements Filter {

    static final Path DOCUMENT = Path.of("target/openapi/openapi.json");

    private static volatile OpenApiInteractionValidator validator;

    public static void install() {
        if (!Files.exists(DOCUMENT)) {
            throw new IllegalStateException(DOCUMENT + " is missing: the build writes it (quarkus.smallrye-openapi.store-schema-directory)");
        }
        io.restassured.RestAssured.filters(new ContractCheck());
    }

    private static OpenApiInteractionValidator validator() {
        if (validator == null) {
            synchronized (ContractCheck.class) {
                if (validator == null) {
                    validator = OpenApiInteractionValidator.createForInlineApiSpecification(asOpenApi30(DOCUMENT)).build();
                }
            }
        }
        return validator;
    }

    /**
     * The validator reads OpenAPI 3.0 only: the document (3.1) is handed to it in the 3.0 dialect, which
     * for what it uses means two changes: a type list with "null" becomes the type plus nullable: true, and a
     * schema's list of examples becomes its first example.
     */
    static String asOpenApi30(Path document) {
        try {
            com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
            com.fasterxml.jackson.databind.node.ObjectNode root = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(document.toFile());
            root.put("openapi", "3.0.3");
            toNullable(root);
            return json.writeValueAsString(root);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void toNullable(com.fasterxml.jackson.databind.JsonNode node) {
        if (node instanceof com.fasterxml.jackson.databind.node.ObjectNode o) {
            com.fasterxml.jackson.databind.JsonNode type = o.get("type");
            if (type != null && type.isArray()) {
                java.util.List<String> types = new java.util.ArrayList<>();
                type.forEach(t -> types.add(t.asText()));
                boolean nullable = types.remove("null");
                if (types.size() == 1) {
                    o.put("type", types.get(0));
                } else {
                    o.remove("type");
                }
                if (nullable) {
                    o.put("nullable", true);
                }
            }
            com.fasterxml.jackson.databind.JsonNode examples = o.get("examples");
            if (examples != null && examples.isArray()) {
                // A 3.1 schema's list of examples; 3.0 has one example.
                o.remove("examples");
                if (!examples.isEmpty()) {
                    o.set("example", examples.get(0));
                }
            }
            o.forEach(ContractCheck::toNullable);
        } else if (node != null && node.isArray()) {
            node.forEach(ContractCheck::toNullable);
        }
    }

    @Override
    public Response filter(FilterableRequestSpecification request, FilterableResponseSpecification response, FilterContext ctx) {
        String path = request.getDerivedPath();
        Response answer = ctx.next(request, response);
        // An empty segment (//) is normalised away by the server, which then answers for another path than
        // the one the validator would match it to.
        // OPTIONS and HEAD are HTTP's own (Allow from the route table; HEAD wherever GET is), not operations
        // of the document.
        if (!path.startsWith("/v1/") && !path.startsWith("/admin/v1/") || path.contains("//")
                || request.getMethod().equals("OPTIONS") || request.getMethod().equals("HEAD")) {
            return answer;
        }
        ValidationReport report = validator().validate(RestAssuredRequest.of(request), RestAssuredResponse.of(answer));
        // Responses always; requests when the service accepted them (a request it refused may be invalid on
        // purpose: that is what the test is about).
        boolean accepted = answer.statusCode() < 400;
        java.util.List<String> problems = report.getMessages().stream()
                .filter(m -> m.getLevel() == ValidationReport.Level.ERROR)
                .filter(m -> m.getKey().startsWith("validation.response") || accepted && m.getKey().startsWith("validation.request"))
                // The Content-Type of a request without a body says nothing: the service ignores it.
                .filter(m -> !(m.getKey().startsWith("validation.request.contentType") && request.getBody() == null))
                .map(m -> m.getKey() + ": " + m.getMessage()).toList();
        if (!problems.isEmpty()) {
            throw new AssertionError("the OpenAPI document and " + request.getMethod() + " " + path + " -> "
                    + answer.statusCode() + " disagree: " + problems);
        }
        return answer;
    }
}
