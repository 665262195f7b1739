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

    /**
     * A value that may be empty ({@code ?user_id=} asks for the empty string, which may be stored); null
     * when absent.
     */
    public String stringOrEmpty(String name, int max) {
        List<String> v = values.get(name);
        if (v != null && v.size() == 1 && v.get(0).isEmpty()) {
            return "";
        }
        return string(name, max);
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

    /**
     * A duration between {@code min} and {@code max}: ISO 8601 ({@code PT30S}) or the short form
     * ({@code 30s}, {@code 1m}, {@code 1500ms}, a bare number of seconds).
     */
    public java.time.Duration duration(String name, java.time.Duration min, java.time.Duration max) {
        String s = string(name, 40);
        if (s == null) {
            return null;
        }
        java.time.Duration d = parseDuration(s);
        if (d == null || d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            errors.add(name, "must be a duration from " + min.toSeconds() + "s to " + max.toSeconds()
                    + "s, as 30s, 1m, 1500ms or PT30S");
            return null;
        }
        return d;
    }

    /** {@code 30s}, {@code 10m}, {@code 1h}, {@code 1500ms} (no unit: seconds) or ISO-8601 ({@code PT30S}); null if neither. */
    public static java.time.Duration parseDuration(String s) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]{1,9})(ms|s|m|h)?").matcher(s);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            return switch (unit) {
                case "ms" -> java.time.Duration.ofMillis(n);
                case "m" -> java.time.Duration.ofMinutes(n);
                case "h" -> java.time.Duration.ofHours(n);
                default -> java.time.Duration.ofSeconds(n);
            };
        }
        if (s.length() > 1 && (s.charAt(0) == 'P' || s.charAt(0) == 'p')) {
            try {
                return java.time.Duration.parse(s);
            } catch (java.time.format.DateTimeParseException e) {
                return null;
            }
        }
        return null;
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
