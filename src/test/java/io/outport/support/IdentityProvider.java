package io.outport.support;

import com.sun.net.httpserver.HttpServer;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A product's identity provider for the tests: signing keys generated here (RS256, ES256, EdDSA), a real HTTP
 * server on loopback publishing their JWKS (keys can be added, removed, or the server made to fail), and tokens
 * signed with them.
 */
public final class IdentityProvider {

    public static final String ISSUER = "https://idp.example.test";
    public static final String AUDIENCE = "outport-test";

    /** A signing key with its algorithm and key id. */
    public record Key(String kid, String alg, KeyPair pair) {
    }

    private static final List<Key> PUBLISHED = new CopyOnWriteArrayList<>();
    private static final AtomicInteger FETCHES = new AtomicInteger();
    private static volatile boolean failing;
    private static HttpServer server;

    private IdentityProvider() {
    }

    public static synchronized String start() {
        if (server == null) {
            try {
                PUBLISHED.add(newKey("rsa-1", AlgorithmIdentifiers.RSA_USING_SHA256));
                PUBLISHED.add(newKey("ec-1", AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256));
                PUBLISHED.add(newKey("ed-1", AlgorithmIdentifiers.EDDSA));
                server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
                server.createContext("/.well-known/jwks.json", exchange -> {
                    FETCHES.incrementAndGet();
                    byte[] body = failing ? "down".getBytes(StandardCharsets.UTF_8) : jwks().getBytes(StandardCharsets.UTF_8);
                    exchange.getResponseHeaders().add("Content-Type", "application/json");
                    exchange.sendResponseHeaders(failing ? 503 : 200, body.length);
                    exchange.getResponseBody().write(body);
                    exchange.close();
                });
                // The product's logo, for the console's branding (the one outside resource the page may load).
                server.createContext("/logo.png", exchange -> {
                    java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
                    java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(24, 24, java.awt.image.BufferedImage.TYPE_INT_RGB);
                    javax.imageio.ImageIO.write(image, "png", png);
                    exchange.getResponseHeaders().add("Content-Type", "image/png");
                    exchange.sendResponseHeaders(200, png.size());
                    exchange.getResponseBody().write(png.toByteArray());
                    exchange.close();
                });
                server.start();
            } catch (Exception e) {
                throw new IllegalStateException("cannot start the test identity provider", e);
            }
        }
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/.well-known/jwks.json";
    }

    /** The logo the console tests brand the page with. */
    public static String logoUrl() {
        return start().replace("/.well-known/jwks.json", "/logo.png");
    }

    public static Key newKey(String kid, String alg) throws Exception {
        KeyPairGenerator g;
        switch (alg) {
            case AlgorithmIdentifiers.RSA_USING_SHA256 -> {
                g = KeyPairGenerator.getInstance("RSA");
                g.initialize(2048);
            }
            case AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256 -> {
                g = KeyPairGenerator.getInstance("EC");
                g.initialize(new ECGenParameterSpec("secp256r1"));
            }
            default -> g = KeyPairGenerator.getInstance("Ed25519");
        }
        return new Key(kid, alg, g.generateKeyPair());
    }

    /** The JWKS of the published keys (public parts only). */
    public static String jwks() {
        try {
            JsonWebKeySet set = new JsonWebKeySet();
            for (Key k : PUBLISHED) {
                PublicJsonWebKey jwk = PublicJsonWebKey.Factory.newPublicJwk(k.pair().getPublic());
                jwk.setKeyId(k.kid());
                jwk.setUse("sig");
                jwk.setAlgorithm(k.alg());
                set.addJsonWebKey(jwk);
            }
            return set.toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static Key key(String kid) {
        return PUBLISHED.stream().filter(k -> k.kid().equals(kid)).findFirst().orElseThrow();
    }

    public static void publish(Key key) {
        PUBLISHED.add(key);
    }

    public static void failing(boolean down) {
        failing = down;
    }

    public static int fetches() {
        return FETCHES.get();
    }

    /** Standard claims for a tenant (under org.id, as the tests configure the tenant claim), valid 5 minutes. */
    public static JwtClaims claims(String externalId) {
        JwtClaims c = new JwtClaims();
        c.setIssuer(ISSUER);
        c.setAudience(AUDIENCE);
        c.setSubject("user-42");
        c.setExpirationTimeMinutesInTheFuture(5);
        c.setIssuedAtToNow();
        c.setClaim("org", Map.of("id", externalId));
        return c;
    }

    /** The claims signed with {@code key}, its kid in the header. */
    public static String sign(Key key, JwtClaims claims) {
        try {
            JsonWebSignature jws = new JsonWebSignature();
            jws.setPayload(claims.toJson());
            jws.setKey(key.pair().getPrivate());
            jws.setKeyIdHeaderValue(key.kid());
            jws.setAlgorithmHeaderValue(key.alg());
            return jws.getCompactSerialization();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static String token(String kid, String externalId) {
        return sign(key(kid), claims(externalId));
    }
}
