package io.outport.tenant;

import io.outport.support.Exports;
import io.outport.support.RealProcesses;
import io.outport.support.ServiceProcess;
import io.restassured.response.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The rate limit is exact across replicas: three real replicas with a limit of 20 reads a minute never admit
 * more than 20 in a window together, whether the requests alternate between them or hit all three at once,
 * and every response of every replica carries the RateLimit headers.
 */
class RateLimitIT extends RealProcesses {

    private static final Pattern STATE = Pattern.compile("\"reads\";r=([0-9]+);t=([0-9]+)");
    private final List<ServiceProcess> replicas = new ArrayList<>();

    @AfterEach
    void stop() {
        replicas.forEach(ServiceProcess::close);
    }

    private void start() throws Exception {
        for (int i = 0; i < 3; i++) {
            replicas.add(ServiceProcess.start("rl-" + i, infra, Map.of("outport.rate-limit.reads-per-minute", "20",
                    "outport.worker.enabled", "false")));
        }
    }

    /** Waits until at least {@code seconds} are left in the current minute (the database runs on this machine). */
    private static void roomInWindow(int seconds) {
        while (60 - java.time.LocalTime.now().getSecond() < seconds) {
            Exports.pause(200);
        }
    }

    private static void checkHeaders(Response r) {
        assertEquals("\"reads\";q=20;w=60", r.header("RateLimit-Policy"));
        Matcher m = STATE.matcher(r.header("RateLimit"));
        assertTrue(m.matches(), r.header("RateLimit"));
        int t = Integer.parseInt(m.group(2));
        assertTrue(t >= 1 && t <= 60, "seconds to reset: " + t);
        if (r.statusCode() == 429) {
            assertEquals("0", m.group(1));
            assertNotNull(r.header("Retry-After"));
            assertEquals("rate_limited", r.jsonPath().getString("code"));
        }
    }

    @Test
    void alternatingRequestsAreAdmittedUpToTheLimitAndNoFurther() throws Exception {
        start();
        String key = replicas.get(0).newKey("rl-" + System.nanoTime());
        roomInWindow(40);
        int admitted = 0;
        List<Integer> remaining = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            Response r = replicas.get(i % 3).as(key).get("/v1/exports");
            checkHeaders(r);
            assertTrue(r.statusCode() == 200 || r.statusCode() == 429, "status " + r.statusCode());
            if (r.statusCode() == 200) {
                admitted++;
                Matcher m = STATE.matcher(r.header("RateLimit"));
                assertTrue(m.matches());
                remaining.add(Integer.parseInt(m.group(1)));
            }
        }
        System.out.println("alternating: " + admitted + " of 60 admitted by 3 replicas, limit 20; remaining " + remaining);
        assertTrue(admitted <= 20, "never more than the limit: " + admitted);
        assertTrue(admitted >= 18, "budget is not stranded on a replica: " + admitted);
    }

    @Test
    void concurrentBurstsOnThreeReplicasStayWithinTheLimit() throws Exception {
        start();
        String key = replicas.get(0).newKey("rl-burst-" + System.nanoTime());
        roomInWindow(40);
        ExecutorService pool = Executors.newFixedThreadPool(12);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 12; t++) {
                ServiceProcess replica = replicas.get(t % 3);
                results.add(pool.submit(() -> {
                    int ok = 0;
                    for (int i = 0; i < 10; i++) {
                        Response r = replica.as(key).get("/v1/exports");
                        checkHeaders(r);
                        if (r.statusCode() == 200) {
                            ok++;
                        }
                    }
                    return ok;
                }));
            }
            int admitted = 0;
            for (Future<Integer> f : results) {
                admitted += f.get();
            }
            System.out.println("bursts: " + admitted + " of 120 admitted by 3 replicas at once, limit 20");
            assertTrue(admitted <= 20, "never more than the limit: " + admitted);
            assertTrue(admitted >= 18, "the budget is used: " + admitted);
        } finally {
            pool.shutdownNow();
        }
    }
}
