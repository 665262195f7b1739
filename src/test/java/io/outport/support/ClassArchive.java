package io.outport.support;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A class-data sharing archive of the packaged jar, for the integration tests' processes: the suite starts this
 * build about seventy times, and on two cores each start spends ~9 CPU-seconds, a fifth of them loading and
 * verifying the same classes. The JVM maps them from this archive instead (measured: 8.6–9.1 -> 6.7–7.1 CPU-s
 * and 5.7–6.4 -> 4.2–4.4 s to ready per start). It changes nothing the tests check: the same jar and JVM options
 * as the replicas ({@link ServiceProcess#fixtureJvmOptions()}), only where the classes' bytes come from. Written once per package by one training start of
 * the jar (on a database of its own, its worker off) that records the classes it loaded at exit; the file sits
 * beside quarkus-run.jar and is named after its time, so a new package trains a new one. Where it cannot be
 * written the tests start without it.
 */
final class ClassArchive {

    private static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar").toAbsolutePath();
    private static boolean failed;

    private ClassArchive() {
    }

    /** The archive of the current package, when it exists. */
    static Optional<Path> ready() {
        try {
            Path archive = archive();
            return Files.exists(archive) ? Optional.of(archive) : Optional.empty();
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    /** Writes the archive unless it exists (or could not be written before); another JVM of the suite waits meanwhile. */
    static synchronized void ensure(Map<String, String> infra) {
        if (failed || ServiceProcess.nativeExecutable().isPresent() || !Files.exists(JAR) || ready().isPresent()) {
            return;
        }
        try {
            Path archive = archive();
            Once.underLock(JAR.resolveSibling("outport-tests.jsa.lock"), archive, () -> train(infra, archive));
        } catch (Exception e) {
            failed = true;
            System.out.println("[class archive] not written, the processes start without it: " + e);
        }
    }

    private static Path archive() throws Exception {
        return JAR.resolveSibling("outport-tests-" + Files.getLastModifiedTime(JAR).toMillis() + ".jsa");
    }

    private static void train(Map<String, String> infra, Path archive) throws Exception {
        String database = "outport_cds_" + ProcessHandle.current().pid();
        admin("drop database if exists " + database);
        admin("create database " + database);
        Path partial = archive.resolveSibling(archive.getFileName() + ".partial-" + ProcessHandle.current().pid());
        try {
            String pg = TestInfra.PG_HOST + ":" + TestInfra.pgPort() + "/" + database;
            Map<String, String> own = new HashMap<>(infra);
            own.put("quarkus.datasource.reactive.url", "postgresql://" + pg);
            own.put("quarkus.datasource.jdbc.url", "jdbc:postgresql://" + pg);
            own.put("outport.worker.enabled", "false");
            List<String> command = new ArrayList<>(List.of(ServiceProcess.JAVA.toString()));
            command.addAll(ServiceProcess.fixtureJvmOptions());
            command.addAll(List.of("-XX:ArchiveClassesAtExit=" + partial, "-jar", "quarkus-run.jar"));
            try (ServiceProcess p = ServiceProcess.launch(ServiceProcess.APP, "class-archive", own, Map.of(), command)) {
                // The classes of a request through the API's filters, and of a problem answer.
                p.as("not-a-key").get("/v1/exports");
                p.terminate(Duration.ofSeconds(60));
            }
            if (!Files.exists(partial)) {
                throw new IllegalStateException("the JVM wrote no archive");
            }
            Files.move(partial, archive, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(partial);
            admin("drop database if exists " + database + " with (force)");
        }
    }

    private static void admin(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + TestInfra.PG_HOST + ":" + TestInfra.pgPort()
                + "/postgres", TestInfra.PG_USER, ""); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
