package io.outport.support;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A PostgreSQL cluster of a test's own: a new cluster of the machine's PostgreSQL binaries in a temporary folder,
 * on a free port of 127.0.0.1, owned by the {@code postgres} user, trust authentication; deleted on close. A test
 * may stop and start it as an operator would ({@code pg_ctl stop -m fast}, what {@code pg_ctlcluster stop} does:
 * the sessions are told the server is shutting down) while the other test classes go on with the machine's.
 */
public final class OwnCluster implements AutoCloseable {

    public final int port;
    private final Path dir;
    private final String bin;

    private OwnCluster(Path dir, String bin, int port) {
        this.dir = dir;
        this.bin = bin;
        this.port = port;
    }

    /** The machine's PostgreSQL binaries, or null when there are none to run as the postgres user. */
    public static String binaries() {
        File[] versions = new File("/usr/lib/postgresql").listFiles();
        if (versions == null || versions.length == 0) {
            return null;
        }
        java.util.Arrays.sort(versions);
        File bin = new File(versions[versions.length - 1], "bin");
        return new File(bin, "initdb").canExecute() ? bin.getPath() : null;
    }

    /** A new cluster, started. */
    public static OwnCluster create() throws Exception {
        String bin = binaries();
        if (bin == null) {
            throw new IllegalStateException("no PostgreSQL server binaries under /usr/lib/postgresql to start a cluster");
        }
        Path dir = Files.createTempDirectory("outport-cluster");
        run("chown", "postgres", dir.toString());
        OwnCluster cluster = new OwnCluster(dir, bin, freePort());
        try {
            asPostgres(bin + "/initdb", "-D", dir + "/data", "-A", "trust", "-U", "postgres", "--no-sync");
            cluster.start();
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /** Starts the cluster and returns once it accepts connections. */
    public void start() throws Exception {
        asPostgres(bin + "/pg_ctl", "-D", dir + "/data", "-w", "-l", dir + "/server.log", "start", "-o",
                "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off");
    }

    /** Stops the cluster as an operator would: the sessions are told, the server shuts down cleanly. */
    public void stop() throws Exception {
        asPostgres(bin + "/pg_ctl", "-D", dir + "/data", "-w", "stop", "-m", "fast");
    }

    @Override
    public void close() throws Exception {
        if (Files.exists(dir.resolve("data/postmaster.pid"))) {
            asPostgres(bin + "/pg_ctl", "-D", dir + "/data", "-w", "stop", "-m", "immediate");
        }
        run("rm", "-rf", dir.toString());
    }

    static void asPostgres(String... command) throws Exception {
        List<String> full = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
        full.addAll(List.of(command));
        run(full.toArray(String[]::new));
    }

    static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
