package io.outport.platform;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Collects every problem of a JSON request object, field by field, so a 400 lists all of them at once.
 * Field paths are written as in the request: {@code filters.from}, {@code events[3].type}.
 */
public final class JsonFields {

    private final List<FieldError> errors = new ArrayList<>();

    public boolean ok() {
        return errors.isEmpty();
    }

    public void add(String field, String message) {
        if (errors.size() < 100) {
            errors.add(new FieldError(field, message));
        }
    }

    /** Throws the 400 with every collected error, if any. */
    public void throwIfInvalid() {
        if (!errors.isEmpty()) {
            throw ApiException.invalid(errors);
        }
    }

    public List<FieldError> errors() {
        return errors;
    }

    /** Requires {@code node} to be an object and reports each key outside {@code allowed}. */
    public boolean object(JsonNode node, String path, Set<String> allowed) {
        if (node == null || !node.isObject()) {
            add(path.isEmpty() ? "body" : path, "must be a JSON object");
            return false;
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!allowed.contains(name)) {
                add(join(path, name), "is not a known field");
            }
        }
        return true;
    }

    /** A string of 1..max characters without NUL, or null when absent/invalid (and then reported if required). */
    public String string(JsonNode parent, String name, String path, int max, boolean required) {
        return string(parent, name, path, 1, max, required);
    }

    /** As {@link #string(JsonNode, String, String, int, boolean)} with a minimum length (0 allows ""). */
    public String string(JsonNode parent, String name, String path, int min, int max, boolean required) {
        JsonNode v = parent.get(name);
        String field = join(path, name);
        if (v == null || v.isNull()) {
            if (required) {
                add(field, "is required");
            }
            return null;
        }
        return text(v, field, min, max);
    }

    /** A string value of 1..max characters without NUL; null (and an error) otherwise. */
    public String text(JsonNode v, String field, int max) {
        return text(v, field, 1, max);
    }

    /** A string value of min..max characters without NUL; null (and an error) otherwise. */
    public String text(JsonNode v, String field, int min, int max) {
        if (!v.isTextual()) {
            add(field, "must be a string");
            return null;
        }
        String s = v.textValue();
        if (s.length() < min || s.length() > max) {
            add(field, "must be " + min + " to " + max + " characters long");
            return null;
        }
        if (s.indexOf('\0') >= 0) {
            add(field, "must not contain NUL characters");
            return null;
        }
        return s;
    }

    public static String join(String path, String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    /** True when some string or key anywhere inside {@code node} contains NUL, which PostgreSQL cannot store. */
    public static boolean containsNul(JsonNode node) {
        if (node.isTextual()) {
            return node.textValue().indexOf('\0') >= 0;
        }
        for (Iterator<java.util.Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey().indexOf('\0') >= 0 || containsNul(e.getValue())) {
                return true;
            }
        }
        if (node.isArray()) {
            for (JsonNode child : node) {
                if (containsNul(child)) {
                    return true;
                }
            }
        }
        return false;
    }
}
