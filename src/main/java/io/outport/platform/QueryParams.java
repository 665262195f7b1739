package io.outport.platform;

import jakarta.ws.rs.core.UriInfo;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Set;

/**
 * Query parameters read strictly: unknown names, repeated single values, bad numbers and timestamps
 * are collected as field errors (a 400), never silently defaulted.
 */
public final class QueryParams {

    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 1000;

    private final jakarta.ws.rs.core.MultivaluedMap<String, String> values;
    private final JsonFields errors = new JsonFields();

    public QueryParams(UriInfo uri, Set<String> allowed) {
        this.values = uri.getQueryParameters(true);
        for (String name : values.keySet()) {
            if (!allowed.contains(name)) {
                errors.add(name.length() > 50 ? name.substring(0, 50) : name, "is not a known query parameter");
            }
        }
    }

    public JsonFields errors() {
        return errors;
    }

    public String string(String name, int max) {
        List<String> v = values.get(name);
        if (v == null || v.isEmpty()) {
            return null;
        }
        if (v.size() > 1) {
            errors.add(name, "must be given once");
            return null;
        }
        String s = v.get(0);
        if (s.isEmpty() || s.length() > max || s.indexOf('\0') >= 0) {
            errors.add(name, "must be 1 to " + max + " characters long");
            return null;
        }
        return s;
    }

    /** All values of a repeatable parameter, or null when absent. */
    public List<String> strings(String name, int max) {
        List<String> v = values.get(name);
        if (v == null || v.isEmpty()) {
            return null;
        }
        if (v.size() > 100) {
            errors.add(name, "may be given at most 100 times");
            return null;
        }
        for (String s : v) {
            if (s.isEmpty() || s.length() > max || s.indexOf('\0') >= 0) {
                errors.add(name, "must be 1 to " + max + " characters long");
                return null;
            }
        }
        return List.copyOf(v);
    }

    public OffsetDateTime time(String name) {
        String s = string(name, 40);
        if (s == null) {
            return null;
        }
        OffsetDateTime t = Times.parse(s);
        if (t == null) {
            errors.add(name, Times.EXPECTED);
        }
        return t;
    }

    /** {@code limit}: 1–1000, default 100. */
    public int limit() {
        String s = string("limit", 10);
        if (s == null) {
            return DEFAULT_LIMIT;
        }
        try {
            int n = Integer.parseInt(s);
            if (n >= 1 && n <= MAX_LIMIT) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        errors.add("limit", "must be an integer from 1 to " + MAX_LIMIT);
        return DEFAULT_LIMIT;
    }
}
