package io.outport.support;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One replica of the packaged service (target/quarkus-app, run from its folder as deployed) started as a
 * real process, for fault injection (SIGKILL, SIGTERM, restarts) and start-up tests. Every process is
 * killed when the test ends (by process id).
 */
public final class ServiceProcess implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /** The suite's own java, which runs this build unless a test gives another. */
    static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");
    /** This build's packaged app folder. */
    static final Path APP = Path.of("target/quarkus-app");
    private static final Path DOCKERFILE = Path.of("src/main/docker/Dockerfile.jvm");

    public final String name;
    public final int port;
    public final Path log;
    private final Process process;

    private ServiceProcess(String name, int port, Path log, Process process) {
        this.name = name;
        this.port = port;
        this.log = log;
        this.process = process;
    }

    /**
     * The native executable under test, when the suite runs against one ({@code ./mvnw verify -Pnative}, which
     * sets {@code native.image.path} as Quarkus' own integration tests do); empty for the packaged jar.
     */
    public static java.util.Optional<Path> nativeExecutable() {
        String path = System.getProperty("native.image.path");
        return path == null || path.isBlank() ? java.util.Optional.empty() : java.util.Optional.of(Path.of(path).toAbsolutePath());
    }

    /** Skips a test about the JVM build (its jar layout, JVM options) when the suite runs against the native one. */
    public static void assumeJvm() {
        org.junit.jupiter.api.Assumptions.assumeTrue(nativeExecutable().isEmpty(), "a test of the JVM build");
    }

    /**
     * The JVM options the JVM image ships (Dockerfile.jvm's {@code JAVA_OPTS}: the 256 MiB heap and its collector
     * settings), read from the Dockerfile so the tests' processes follow it.
     */
    public static List<String> imageJvmOptions() {
        try {
            java.util.regex.Matcher opts = java.util.regex.Pattern.compile("ENV JAVA_OPTS=\"([^\"]*)\"")
                    .matcher(Files.readString(DOCKERFILE));
            if (!opts.find()) {
                throw new IllegalStateException(DOCKERFILE + " sets no JAVA_OPTS");
            }
            return List.of(opts.group(1).trim().split(" +"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * The options of the suite's replicas of this build and of the last release: the image's, and only the JIT's
     * first tier. The replicas are fixtures of behaviour (kills, takeovers, limits, deliveries) that each start,
     * do a little and die; half of a start's CPU went to the optimising compiler (measured: 5.0 -> 2.5 CPU-s per
     * start), as in Quarkus' dev mode, which starts with the same option. Tests of the JVM itself (FastStartIT's
     * AOT cache) give their own options, and the benchmarks (bench/) run the image's options with the full JIT.
     */
    static List<String> fixtureJvmOptions() {
        List<String> options = new ArrayList<>(imageJvmOptions());
        options.add("-XX:TieredStopAtLevel=1");
        return options;
    }

    /** The command that runs this build: the native executable, or the packaged jar with the image's options. */
    public static List<String> thisBuild() {
        return thisBuild(JAVA, List.of(), "target/quarkus-app/quarkus-run.jar");
    }

    private static List<String> thisBuild(Path java, List<String> jvmOptions, String jar) {
        List<String> command = new ArrayList<>();
        if (nativeExecutable().isPresent()) {
            command.addAll(List.of(nativeExecutable().get().toString(), "-Xmx256m"));
        } else if (!jvmOptions.isEmpty() || !java.equals(JAVA)) {
            command.addAll(List.of(java.toString(), "-Xmx256m"));
            command.addAll(jvmOptions);
            command.addAll(List.of("-jar", jar));
        } else {
            command.add(java.toString());
            command.addAll(fixtureJvmOptions());
            // The archive holds the class path as the training run gave it: the jar, run from its folder.
            if (jar.equals("quarkus-run.jar")) {
                ClassArchive.ready().ifPresent(archive -> command.add("-XX:SharedArchiveFile=" + archive));
            }
            command.addAll(List.of("-jar", jar));
        }
        return command;
    }

    /** Starts a replica with the infrastructure settings plus {@code extra}, and waits until it is ready. */
    public static ServiceProcess start(String name, Map<String, String> infra, Map<String, String> extra) throws Exception {
        return start(name, infra, extra, JAVA, List.of());
    }

    /** The same with another {@code java} and JVM options of its own (besides the 256 MiB heap). */
    public static ServiceProcess start(String name, Map<String, String> infra, Map<String, String> extra, Path java,
                                       List<String> jvmOptions) throws Exception {
        return start(APP, name, infra, extra, java, jvmOptions);
    }

    /** A replica of another build (another release's {@code quarkus-app} folder). */
    public static ServiceProcess start(Path app, String name, Map<String, String> infra, Map<String, String> extra)
            throws Exception {
        return start(app, name, infra, extra, JAVA, List.of());
    }

    private static ServiceProcess start(Path app, String name, Map<String, String> infra, Map<String, String> extra,
                                        Path java, List<String> jvmOptions) throws Exception {
        // Another release's app folder always runs on the JVM; this build runs as the suite was built.
        if (!app.equals(APP)) {
            List<String> command = new ArrayList<>(List.of(java.toString()));
            command.addAll(fixtureJvmOptions());
            command.addAll(List.of("-jar", "quarkus-run.jar"));
            return launch(app, name, infra, extra, command);
        }
        ClassArchive.ensure(infra);
        return launch(thisBuildFolder(), name, infra, extra, thisBuild(java, jvmOptions, "quarkus-run.jar"));
    }

    /** Where this build runs from: its app folder, or target for the native executable. */
    private static Path thisBuildFolder() {
        return nativeExecutable().isPresent() ? Path.of("target") : APP;
    }

    /** The environment variable of a configuration property. */
    public static String envName(String property) {
        return property.toUpperCase().replace('.', '_').replace('-', '_');
    }

    /** Runs {@code command} in {@code app} with the settings, as {@link #start} does, and waits until it is ready. */
    static ServiceProcess launch(Path app, String name, Map<String, String> infra, Map<String, String> extra,
                                 List<String> command) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ProcessBuilder pb = new ProcessBuilder(command).directory(app.toFile());
        Map<String, String> env = pb.environment();
        Map<String, String> all = new HashMap<>(infra);
        // Two test classes run at a time, each with up to four processes, on one PostgreSQL (100 connections by
        // default): small pools, unless a test sets its own.
        all.putIfAbsent("quarkus.datasource.reactive.max-size", "6");
        all.putIfAbsent("quarkus.datasource.source.reactive.max-size", "4");
        all.putAll(extra);
        all.forEach((k, v) -> env.put(envName(k), v));
        env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        env.put("HOSTNAME", name);
        Path log = Files.createTempFile("outport-" + name + "-", ".log");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        ServiceProcess p = new ServiceProcess(name, port, log, pb.start());
        p.awaitReady();
        return p;
    }

    /**
     * Starts the packaged jar with the infrastructure settings (property names) plus {@code env} (environment
     * variables) and expects start-up to fail within a minute; returns what it printed.
     */
    public static String failedStart(Map<String, String> infra, Map<String, String> env) throws Exception {
        return failedStarts(infra, List.of(env)).get(0);
    }

    /**
     * {@link #failedStart} for each of {@code envs}, a few at a time (each start is mostly one thread waiting on
     * class loading and configuration); returns what each printed, in order.
     */
    public static List<String> failedStarts(Map<String, String> infra, List<Map<String, String>> envs) throws Exception {
        ClassArchive.ensure(infra);
        List<String> outputs = new ArrayList<>();
        for (int from = 0; from < envs.size(); from += 3) {
            List<Process> processes = new ArrayList<>();
            List<Path> logs = new ArrayList<>();
            try {
                for (Map<String, String> env : envs.subList(from, Math.min(envs.size(), from + 3))) {
                    ProcessBuilder pb = new ProcessBuilder(thisBuild(JAVA, List.of(), "quarkus-run.jar"))
                            .directory(thisBuildFolder().toFile());
                    infra.forEach((k, v) -> pb.environment().put(envName(k), v));
                    pb.environment().putAll(env);
                    pb.environment().put("QUARKUS_HTTP_PORT", "0");
                    Path log = Files.createTempFile("outport-failed-start-", ".log");
                    pb.redirectErrorStream(true).redirectOutput(log.toFile());
                    logs.add(log);
                    processes.add(pb.start());
                }
                for (int i = 0; i < processes.size(); i++) {
                    Process process = processes.get(i);
                    org.junit.jupiter.api.Assertions.assertTrue(process.waitFor(90, java.util.concurrent.TimeUnit.SECONDS),
                            "start-up did not stop: " + Files.readString(logs.get(i)));
                    org.junit.jupiter.api.Assertions.assertNotEquals(0, process.exitValue());
                    outputs.add(Files.readString(logs.get(i)));
                }
            } finally {
                processes.forEach(Process::destroyForcibly);
            }
        }
        return outputs;
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    /** The live processes as this replica's admin API lists them. */
    public List<Map<String, Object>> workers() {
        return as(TestInfra.ADMIN_TOKEN).get("/admin/v1/workers").then().statusCode(200).extract().jsonPath().getList("data");
    }

    /** A request to this replica as a tenant (its API key). */
    public io.restassured.specification.RequestSpecification as(String key) {
        return io.restassured.RestAssured.given().baseUri(url("")).header("Authorization", "Bearer " + key);
    }

    /** A tenant with this external_id and one of its API keys, made through this replica's admin API. */
    public String newKey(String externalId) {
        String tenant = as(TestInfra.ADMIN_TOKEN).contentType(io.restassured.http.ContentType.JSON)
                .body(Map.of("name", "t-" + System.nanoTime(), "external_id", externalId))
                .post("/admin/v1/tenants").then().statusCode(201).extract().path("id");
        return as(TestInfra.ADMIN_TOKEN).post("/admin/v1/tenants/" + tenant + "/api-keys").then().statusCode(201)
                .extract().path("key");
    }

    /** Creates an export on this replica; returns its id. */
    public String createExport(String key, Map<String, Object> body) {
        return as(key).contentType(io.restassured.http.ContentType.JSON).body(body).post("/v1/exports")
                .then().statusCode(202).extract().path("id");
    }

    /** Polls the export until it is completed, failed or canceled; fails after {@code atMost}. */
    public io.restassured.path.json.JsonPath awaitEnd(String key, String id, Duration atMost) {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (true) {
            var e = as(key).get("/v1/exports/" + id).then().statusCode(200).extract().jsonPath();
            if (List.of("completed", "failed", "canceled").contains(e.getString("status"))) {
                return e;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("export " + id + " still " + e.getString("status") + " after " + atMost);
            }
            Exports.pause(50);
        }
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
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGTERM, then waits for the process to exit; returns how long that took. */
    public Duration terminate(Duration atMost) throws InterruptedException {
        long t0 = System.nanoTime();
        process.destroy();
        if (!process.waitFor(atMost.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(name + " did not exit within " + atMost);
        }
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    public long pid() {
        return process.pid();
    }

    public String output() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
