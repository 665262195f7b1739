// The load client of bench/push.sh (run as a single-file program on the service's own Vert.x jars): holds
// thousands of long polls or event streams open on one replica, or receives webhooks, then changes the
// exports' state in the database in one statement and measures when each client hears of it.
// Usage: java -cp 'target/quarkus-app/lib/main/*' bench/PushLoad.java MODE BASE_URL KEY PG_URI IDS_FILE N
//   MODE: longpoll | sse | webhooks (for webhooks N is the receiver's port and KEY is unused)
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Tuple;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

public class PushLoad {

    public static void main(String[] args) throws Exception {
        if (args.length < 6) {
            System.err.println("usage: PushLoad longpoll|sse|webhooks BASE_URL KEY PG_URI IDS_FILE N");
            System.exit(2);
        }
        String mode = args[0];
        URI base = URI.create(args[1]);
        String key = args[2];
        String pg = args[3];
        List<String> ids = Files.readAllLines(Path.of(args[4])).stream().filter(s -> !s.isBlank()).toList();
        int n = Integer.parseInt(args[5]);
        Vertx vertx = Vertx.vertx();
        Pool db = Pool.pool(vertx, PgConnectOptions.fromUri(pg), new PoolOptions().setMaxSize(1));
        AtomicLong changedAt = new AtomicLong();
        ConcurrentLinkedQueue<Long> arrivals = new ConcurrentLinkedQueue<>();
        AtomicInteger failures = new AtomicInteger();
        CountDownLatch done;
        if (mode.equals("webhooks")) {
            done = new CountDownLatch(ids.size() * Integer.parseInt(System.getProperty("endpoints", "20")));
            CountDownLatch listening = new CountDownLatch(1);
            vertx.createHttpServer().requestHandler(req -> req.body().onComplete(b -> {
                arrivals.add(System.nanoTime());
                req.response().setStatusCode(200).end();
                done.countDown();
            })).listen(n, "127.0.0.1").onComplete(ar -> listening.countDown());
            listening.await();
            System.out.println("ready");
            // The script registers the endpoints now and tells us to go on stdin.
            new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine();
        } else {
            done = new CountDownLatch(n);
            HttpClient http = vertx.createHttpClient(new HttpClientOptions().setMaxPoolSize(n + 10)
                    .setDefaultHost(base.getHost()).setDefaultPort(base.getPort()).setIdleTimeout(0)
                    .setConnectTimeout(60_000));
            AtomicInteger opened = new AtomicInteger();
            for (int i = 0; i < n; i++) {
                String id = ids.get(i % ids.size());
                boolean sse = mode.equals("sse");
                RequestOptions o = new RequestOptions().setMethod(HttpMethod.GET)
                        .setURI(sse ? "/v1/exports/" + id + "/events" : "/v1/exports/" + id + "?wait=60s")
                        .putHeader("Authorization", "Bearer " + key).putHeader("Accept", sse ? "text/event-stream" : "application/json");
                http.request(o).compose(req -> req.send()).onSuccess(resp -> {
                    if (resp.statusCode() != 200) {
                        failures.incrementAndGet();
                        done.countDown();
                        return;
                    }
                    opened.incrementAndGet();
                    if (sse) {
                        StringBuilder seen = new StringBuilder();
                        resp.handler(chunk -> {
                            seen.append(chunk.toString());
                            if (seen.indexOf("\"status\":\"canceled\"") >= 0 && seen.length() > 0) {
                                arrivals.add(System.nanoTime());
                                seen.setLength(0);
                                seen.append("#");
                                done.countDown();
                            }
                        });
                    } else {
                        resp.body().onSuccess(b -> {
                            arrivals.add(System.nanoTime());
                            if (!b.toString().contains("\"status\":\"canceled\"")) {
                                failures.incrementAndGet();
                            }
                            done.countDown();
                        });
                    }
                }).onFailure(e -> {
                    failures.incrementAndGet();
                    done.countDown();
                });
                if (i % 500 == 499) {
                    Thread.sleep(50); // open them at a steady pace, not in one burst of SYNs
                }
            }
            System.out.println("opening " + n);
            // The script watches the service's follower gauge and tells us when all are held.
            new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine();
        }
        // The change, as a worker on any replica would make it: every export canceled in one statement.
        CountDownLatch updated = new CountDownLatch(1);
        changedAt.set(System.nanoTime());
        db.preparedQuery("update export set status = 'canceled', finished_at = now() where id = any($1::text[]::uuid[])")
                .execute(Tuple.of(ids.toArray(String[]::new))).onComplete(ar -> {
                    if (ar.failed()) {
                        ar.cause().printStackTrace();
                    }
                    updated.countDown();
                });
        updated.await();
        long committed = System.nanoTime() - changedAt.get();
        boolean all = done.await(120, TimeUnit.SECONDS);
        List<Long> ms = new ArrayList<>();
        for (long t : arrivals) {
            ms.add(t - changedAt.get());
        }
        Collections.sort(ms);
        int count = ms.size();
        double p50 = count == 0 ? -1 : ms.get(count / 2) / 1e6;
        double p99 = count == 0 ? -1 : ms.get(Math.min(count - 1, (int) Math.ceil(count * 0.99) - 1)) / 1e6;
        double max = count == 0 ? -1 : ms.get(count - 1) / 1e6;
        double min = count == 0 ? -1 : ms.get(0) / 1e6;
        System.out.printf("result mode=%s arrived=%d failed=%d complete=%s commit_ms=%.1f min_ms=%.1f p50_ms=%.1f p99_ms=%.1f max_ms=%.1f per_s=%.0f%n",
                mode, count, failures.get(), all, committed / 1e6, min, p50, p99, max, count == 0 ? 0 : count / (max / 1000));
        System.exit(0);
    }
}
