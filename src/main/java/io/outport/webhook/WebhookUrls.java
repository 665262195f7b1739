package io.outport.webhook;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;

/**
 * Which webhook URLs may be called. At registration: an absolute {@code https} URL of at most 2,000
 * characters, with a host, without credentials or a fragment. At registration and again at every
 * delivery (a name may resolve elsewhere later: DNS rebinding): every address the host resolves to must
 * be public, so neither loopback, private (RFC 1918, unique local), link-local (which holds the cloud
 * metadata endpoints), carrier-grade NAT, multicast, unspecified, documentation or benchmarking ranges.
 * With {@code allowPrivate} (development and tests) {@code http} and every address are allowed.
 */
public final class WebhookUrls {

    public static final int MAX_LENGTH = 2000;

    private WebhookUrls() {
    }

    /** The problem with a URL's form, if any (no DNS lookup). */
    public static Optional<String> formProblem(String url, boolean allowPrivate) {
        if (url.isEmpty() || url.length() > MAX_LENGTH) {
            return Optional.of("must be 1 to " + MAX_LENGTH + " characters long");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return Optional.of("is not a valid URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !(allowPrivate && scheme.equals("http"))) {
            return Optional.of("must be an https URL");
        }
        if (uri.getRawUserInfo() != null || uri.getRawAuthority() != null && uri.getRawAuthority().contains("@")) {
            return Optional.of("must not contain credentials");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            return Optional.of("must have a host name");
        }
        if (uri.getRawFragment() != null) {
            return Optional.of("must not have a fragment");
        }
        if (uri.getPort() == 0) {
            return Optional.of("must not use port 0");
        }
        if (oddNumericHost(host(uri))) {
            return Optional.of("must name a host, or an IP address in its usual form");
        }
        if (!allowPrivate) {
            String host = host(uri);
            if (host.equals("localhost") || host.endsWith(".localhost") || host.endsWith(".local")
                    || host.endsWith(".internal")) {
                return Optional.of("must resolve to a public address");
            }
            Optional<InetAddress> literal = literal(host);
            if (literal.isPresent() && !isPublic(literal.get())) {
                return Optional.of("must resolve to a public address");
            }
        }
        return Optional.empty();
    }

    /**
     * The problem with where a URL's host resolves, if any: a name that does not resolve, or (unless
     * {@code allowPrivate}) one address that is not public. Blocking DNS: never call it on an event loop.
     */
    public static Optional<String> resolvedProblem(String url, boolean allowPrivate) {
        if (allowPrivate) {
            return Optional.empty();
        }
        String host = host(URI.create(url));
        try {
            for (InetAddress a : InetAddress.getAllByName(host)) {
                if (!isPublic(a)) {
                    return Optional.of("must resolve to a public address; " + host + " resolves to " + a.getHostAddress());
                }
            }
            return Optional.empty();
        } catch (java.net.UnknownHostException e) {
            return Optional.of("the host name " + host + " does not resolve");
        }
    }

    /** The host of a URL as DNS sees it: lower case, without the brackets of an IPv6 literal. */
    public static String host(URI uri) {
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    public static int port(URI uri) {
        return uri.getPort() > 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    /** An IP literal, parsed without any lookup; empty for a name. */
    static Optional<InetAddress> literal(String host) {
        boolean v4 = host.matches("(0|[1-9][0-9]{0,2})(\\.(0|[1-9][0-9]{0,2})){3}");
        boolean v6 = host.contains(":") && host.matches("[0-9a-f:.]+");
        if (!v4 && !v6) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByName(host)); // a literal: no DNS query
        } catch (java.net.UnknownHostException e) {
            return Optional.empty();
        }
    }

    /**
     * Other spellings of an address (decimal 2130706433, octal 0177.0.0.1, hex 0x7f.1) are refused rather
     * than interpreted: resolvers do not all read them the same way. No top-level domain is numeric.
     */
    static boolean oddNumericHost(String host) {
        if (literal(host).isPresent()) {
            return false;
        }
        String last = host.substring(host.lastIndexOf('.') + 1);
        return last.isEmpty() || last.matches("[0-9]+") || last.startsWith("0x") || host.contains(":");
    }

    /** Whether an address is reachable on the public internet (and so safe to call). */
    public static boolean isPublic(InetAddress a) {
        if (a.isAnyLocalAddress() || a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress()
                || a.isMulticastAddress()) {
            return false;
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            int b0 = b[0] & 0xff;
            int b1 = b[1] & 0xff;
            int b2 = b[2] & 0xff;
            return !(b0 == 0 || b0 == 10 || b0 == 127 || b0 >= 224
                    || (b0 == 100 && b1 >= 64 && b1 <= 127)       // carrier-grade NAT
                    || (b0 == 169 && b1 == 254)                  // link-local, cloud metadata
                    || (b0 == 172 && b1 >= 16 && b1 <= 31)
                    || (b0 == 192 && b1 == 168)
                    || (b0 == 192 && b1 == 0 && (b2 == 0 || b2 == 2)) // IETF protocol assignments, TEST-NET-1
                    || (b0 == 198 && (b1 == 18 || b1 == 19))     // benchmarking
                    || (b0 == 198 && b1 == 51 && b2 == 100)      // TEST-NET-2
                    || (b0 == 203 && b1 == 0 && b2 == 113));     // TEST-NET-3
        }
        if (a instanceof Inet6Address) {
            int b0 = b[0] & 0xff;
            int b1 = b[1] & 0xff;
            if ((b0 & 0xfe) == 0xfc) {
                return false;                                   // unique local fc00::/7
            }
            if (b0 == 0x20 && b1 == 0x01 && (b[2] & 0xff) == 0x0d && (b[3] & 0xff) == 0xb8) {
                return false;                                   // documentation 2001:db8::/32
            }
            boolean v4Mapped = true;
            for (int i = 0; i < 10; i++) {
                v4Mapped &= b[i] == 0;
            }
            if (v4Mapped && ((b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff || b[10] == 0 && b[11] == 0)) {
                try {
                    return isPublic(InetAddress.getByAddress(java.util.Arrays.copyOfRange(b, 12, 16)));
                } catch (java.net.UnknownHostException e) {
                    return false;
                }
            }
            if (b0 == 0x00 && b1 == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b) {
                try {
                    return isPublic(InetAddress.getByAddress(java.util.Arrays.copyOfRange(b, 12, 16))); // NAT64
                } catch (java.net.UnknownHostException e) {
                    return false;
                }
            }
        }
        return true;
    }
}
