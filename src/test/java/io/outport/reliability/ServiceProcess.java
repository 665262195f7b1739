package io.outport.reliability;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One replica of the packaged service (target/quarkus-app) started as a real process, for fault
 * injection: SIGKILL, SIGTERM, restarts. Every process is killed when the test ends (by process id).
 */
final class ServiceProcess implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    final String name;
    final int port;
    final Path log;
    private final Process process;

    private ServiceProcess(String name, int port, Path log, Process process) {
        this.name = name;
        this.port = port;
        this.log = log;
        this.process = process;
    }

    /** Starts a replica with the infrastructure settings plus {@code extra}, and waits until it is ready. */
    static ServiceProcess start(String name, Map<String, String> infra, Map<String, String> extra) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-jar", "target/quarkus-app/quarkus-run.jar");
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> env = pb.environment();
        Map<String, String> all = new HashMap<>(infra);
        all.putAll(extra);
        all.forEach((k, v) -> env.put(k.toUpperCase().replace('.', '_').replace('-', '_'), v));
        env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        env.put("HOSTNAME", name);
        Path log = Files.createTempFile("outport-" + name + "-", ".log");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        ServiceProcess p = new ServiceProcess(name, port, log, pb.start());
        p.awaitReady();
        return p;
    }

    String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    private void awaitReady() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " died: " + Files.readString(log));
            }
            try {
                var r = HTTP.send(HttpRequest.newBuilder(URI.create(url("/q/health/ready"))).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException(name + " not ready in 60 s: " + Files.readString(log));
    }

    /** SIGKILL: the process gets no chance to clean up. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGTERM, then waits for the process to exit; returns how long that took. */
    Duration terminate(Duration atMost) throws InterruptedException {
        long t0 = System.nanoTime();
        process.destroy();
        if (!process.waitFor(atMost.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(name + " did not exit within " + atMost);
        }
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    long pid() {
        return process.pid();
    }

    String output() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
