package io.outport.tenant;

import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a credential may do on /v1: {@code outport:read} (every GET), {@code outport:write} (create, cancel and
 * estimate exports; ingest events), {@code outport:webhooks} (create and delete webhook endpoints). API keys,
 * host-signed tokens and minted tokens carry a set of them; a credential without a scope list may do all three.
 */
public enum Scope {
    READ("outport:read"), WRITE("outport:write"), WEBHOOKS("outport:webhooks");

    /** Every scope, in their documented order. */
    public static final Set<Scope> ALL = EnumSet.allOf(Scope.class);

    /** The names a request may use, for error messages and the OpenAPI document. */
    public static final List<String> NAMES = List.of("outport:read", "outport:write", "outport:webhooks");

    private final String text;

    Scope(String text) {
        this.text = text;
    }

    /** The scope's name on the wire: {@code outport:read}. */
    public String text() {
        return text;
    }

    public static Optional<Scope> parse(String text) {
        for (Scope s : values()) {
            if (s.text.equals(text)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /** The scope a /v1 request needs: reads need read, webhook management webhooks, every other write write. */
    public static Scope required(String method, String path) {
        return switch (method) {
            case "GET", "HEAD", "OPTIONS" -> READ;
            default -> path.startsWith("/v1/webhooks") ? WEBHOOKS : WRITE;
        };
    }

    /** A set as stored and shown: names in their documented order, separated by spaces. */
    public static String join(Set<Scope> scopes) {
        return String.join(" ", scopes.stream().sorted().map(Scope::text).toList());
    }

    /** A stored space-separated list; null (a key issued before scopes existed) means every scope. */
    public static Set<Scope> split(String stored) {
        if (stored == null) {
            return ALL;
        }
        EnumSet<Scope> set = EnumSet.noneOf(Scope.class);
        for (String part : stored.trim().split("\\s+")) {
            parse(part).ifPresent(set::add);
        }
        return set;
    }
}
