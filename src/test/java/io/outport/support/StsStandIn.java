package io.outport.support;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A local stand-in for AWS STS: answers {@code AssumeRole} (the query protocol the AWS SDK speaks) with the
 * customer store's credentials and a session token, and records every call's role and external id. A role
 * whose trust policy was given an external id ({@link #trust}) refuses any other, as AWS does; a role whose
 * name contains "denied" is always refused.
 */
public final class StsStandIn {

    /** One AssumeRole call as received. */
    public record Call(String roleArn, String externalId, String sessionName) {
    }

    private static final List<Call> CALLS = new CopyOnWriteArrayList<>();
    private static final Map<String, String> TRUSTED = new ConcurrentHashMap<>();
    private static String url;

    private StsStandIn() {
    }

    /** Starts the server (once); returns its URL. */
    public static synchronized String start() {
        if (url != null) {
            return url;
        }
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", exchange -> {
                Map<String, String> form = form(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                String role = form.getOrDefault("RoleArn", "");
                String external = form.get("ExternalId");
                CALLS.add(new Call(role, external, form.get("RoleSessionName")));
                String body;
                int status;
                String trusted = TRUSTED.get(role);
                if (!"AssumeRole".equals(form.get("Action")) || role.contains("denied")
                        || trusted != null && !trusted.equals(external)) {
                    status = 403;
                    body = "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>"
                            + "<Code>AccessDenied</Code><Message>User is not authorized to perform: sts:AssumeRole on resource: "
                            + role + "</Message></Error><RequestId>stand-in</RequestId></ErrorResponse>";
                } else {
                    status = 200;
                    body = "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult>"
                            + "<Credentials><AccessKeyId>" + CustomerStore.ACCESS_KEY + "</AccessKeyId>"
                            + "<SecretAccessKey>" + CustomerStore.SECRET_KEY + "</SecretAccessKey>"
                            + "<SessionToken>stand-in-session-token</SessionToken>"
                            + "<Expiration>" + Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS)
                            + "</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROASTANDIN:outport</AssumedRoleId>"
                            + "<Arn>" + role.replace(":role/", ":assumed-role/") + "/outport</Arn></AssumedRoleUser>"
                            + "</AssumeRoleResult><ResponseMetadata><RequestId>stand-in</RequestId></ResponseMetadata>"
                            + "</AssumeRoleResponse>";
                }
                byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "text/xml");
                exchange.sendResponseHeaders(status, bytes.length);
                exchange.getResponseBody().write(bytes);
                exchange.close();
            });
            server.start();
            url = "http://127.0.0.1:" + server.getAddress().getPort();
            return url;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the STS stand-in", e);
        }
    }

    /** The role's trust policy requires this external id. */
    public static void trust(String roleArn, String externalId) {
        TRUSTED.put(roleArn, externalId);
    }

    /** The calls made for a role, in order. */
    public static List<Call> calls(String roleArn) {
        return CALLS.stream().filter(c -> c.roleArn().equals(roleArn)).toList();
    }

    private static Map<String, String> form(String body) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                m.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return m;
    }
}
