package io.outport.platform;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * Strict JSON for request bodies (trailing tokens, duplicate keys and deep nesting are errors) and the
 * writer used for problem details outside the REST layer.
 */
public final class Json {

    private static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .build();

    /** The same, with decimal numbers kept digit for digit (numeric filter values). */
    private static final ObjectMapper EXACT = STRICT.copy()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .configure(com.fasterxml.jackson.databind.cfg.JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false);

    static {
        EXACT.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(64).maxStringLength(2_000_000).maxNumberLength(100).build());
        STRICT.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(64).maxStringLength(2_000_000).maxNumberLength(100).build());
    }

    private Json() {
    }

    /** Parses a request body; any syntax problem is a 400 naming what is wrong, never a 500. */
    public static JsonNode parse(String body) {
        return parse(STRICT, body);
    }

    /** As {@link #parse(String)}, decimal numbers as BigDecimal with every digit sent. */
    public static JsonNode parseExact(String body) {
        return parse(EXACT, body);
    }

    private static JsonNode parse(ObjectMapper mapper, String body) {
        if (body == null || body.isBlank()) {
            throw ApiException.badRequest("The request body is empty; a JSON object is expected");
        }
        try {
            return mapper.readTree(body);
        } catch (JsonProcessingException e) {
            String why = e.getOriginalMessage();
            if (why != null && why.length() > 200) {
                why = why.substring(0, 200) + "…";
            }
            throw ApiException.badRequest("The request body is not valid JSON: " + why);
        }
    }

    /** A JSON object this service wrote itself (a stored column), numbers as BigDecimal or integers. */
    @SuppressWarnings("unchecked")
    public static java.util.Map<String, Object> readObject(String json) {
        try {
            return EXACT.readValue(json, java.util.LinkedHashMap.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored JSON is not an object: " + e.getOriginalMessage());
        }
    }

    public static String write(Object value) {
        try {
            return STRICT.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize " + value.getClass().getSimpleName(), e);
        }
    }

    public static ObjectMapper mapper() {
        return STRICT;
    }
}
