package io.outport.support;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * A real HTTP server receiving webhooks on 127.0.0.1: records every request, answers with the status its
 * script gives (200 by default), or holds the request for a while first.
 */
public final class Receiver implements AutoCloseable {

    /** One received request. */
    public record Received(String path, Map<String, List<String>> headers, String body, long atNanos) {
        public String header(String name) {
            for (Map.Entry<String, List<String>> h : headers.entrySet()) {
                if (h.getKey() != null && h.getKey().equalsIgnoreCase(name)) {
                    return h.getValue().get(0);
                }
            }
            return null;
        }
    }

    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final ConcurrentLinkedQueue<Integer> script = new ConcurrentLinkedQueue<>();
    private volatile Duration hold = Duration.ZERO;

    public Receiver() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 100);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            received.add(new Received(exchange.getRequestURI().toString(), Map.copyOf(exchange.getRequestHeaders()),
                    new String(body, StandardCharsets.UTF_8), System.nanoTime()));
            if (!hold.isZero()) {
                Exports.pause(hold.toMillis());
            }
            Integer status = script.poll();
            int code = status == null ? 200 : status;
            if (code >= 300 && code < 400) {
                exchange.getResponseHeaders().add("Location", url() + "redirected");
            }
            try {
                exchange.sendResponseHeaders(code, -1);
            } catch (IOException e) {
                // the sender gave up waiting
            }
            exchange.close();
        });
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    /** The statuses of the next answers, in order; 200 after them. */
    public Receiver answer(Integer... statuses) {
        script.addAll(List.of(statuses));
        return this;
    }

    /** Holds every request this long before answering. */
    public Receiver hold(Duration d) {
        this.hold = d;
        return this;
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    /** Waits until {@code n} requests arrived; fails after 60 s. */
    public List<Received> await(int n) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (received.size() < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("received " + received.size() + " of " + n + " webhooks");
            }
            Exports.pause(20);
        }
        return received();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
