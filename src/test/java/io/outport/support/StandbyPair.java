package io.outport.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * A PostgreSQL primary and its hot standby (streaming replication), both new clusters of the machine's own
 * PostgreSQL binaries in a temporary folder, on free ports, owned by the {@code postgres} user; stopped and
 * deleted on close. The standby cancels a query at once when replaying a change conflicts with it
 * ({@code max_standby_streaming_delay = 0}), which is what a busy replica does sooner or later.
 */
public final class StandbyPair implements AutoCloseable {

    public final int primaryPort;
    public final int standbyPort;
    private final Path dir;
    private final String bin;

    private StandbyPair(Path dir, String bin, int primaryPort, int standbyPort) {
        this.dir = dir;
        this.bin = bin;
        this.primaryPort = primaryPort;
        this.standbyPort = standbyPort;
    }

    /** The machine's PostgreSQL binaries, or null when there are none to run as the postgres user. */
    public static String binaries() {
        return OwnCluster.binaries();
    }

    public static StandbyPair start() throws Exception {
        String bin = binaries();
        Path dir = Files.createTempDirectory("outport-standby");
        OwnCluster.run("chown", "postgres", dir.toString());
        int primary = OwnCluster.freePort();
        int standby = OwnCluster.freePort();
        StandbyPair pair = new StandbyPair(dir, bin, primary, standby);
        try {
            OwnCluster.asPostgres(bin + "/initdb", "-D", dir + "/primary", "-A", "trust", "-U", "postgres", "--no-sync");
            Files.writeString(dir.resolve("primary/pg_hba.conf"),
                    "local all all trust\nhost all all 127.0.0.1/32 trust\nhost replication all 127.0.0.1/32 trust\n");
            pair.ctl("primary", primary, "start");
            OwnCluster.asPostgres(bin + "/pg_basebackup", "-h", "127.0.0.1", "-p", Integer.toString(primary), "-U", "postgres",
                    "-D", dir + "/standby", "-R", "-X", "stream", "--no-sync");
            pair.ctl("standby", standby, "start", "-c hot_standby=on -c max_standby_streaming_delay=0");
        } catch (Exception e) {
            pair.close();
            throw e;
        }
        return pair;
    }

    private void ctl(String name, int port, String action, String... extra) throws Exception {
        List<String> command = new ArrayList<>(List.of(bin + "/pg_ctl", "-D", dir + "/" + name, "-w", "-l",
                dir + "/" + name + ".log", action));
        if (action.equals("start")) {
            command.add("-o");
            command.add("-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off "
                    + (extra.length > 0 ? extra[0] : ""));
        } else {
            command.addAll(List.of("-m", "immediate"));
        }
        OwnCluster.asPostgres(command.toArray(String[]::new));
    }

    public String url(boolean standby, String database) {
        return "postgresql://127.0.0.1:" + (standby ? standbyPort : primaryPort) + "/" + database;
    }

    /** Runs statements on the primary. */
    public void sql(String database, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + primaryPort + "/" + database,
                "postgres", ""); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** Waits until the standby has replayed everything the primary has written so far. */
    public void awaitReplay() throws Exception {
        String lsn;
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + primaryPort + "/postgres", "postgres", "")) {
            var rs = c.createStatement().executeQuery("select pg_current_wal_lsn()::text");
            rs.next();
            lsn = rs.getString(1);
        }
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + standbyPort + "/postgres", "postgres", "")) {
            for (int i = 0; i < 600; i++) {
                var rs = c.createStatement().executeQuery("select pg_last_wal_replay_lsn() >= '" + lsn + "'::pg_lsn");
                rs.next();
                if (rs.getBoolean(1)) {
                    return;
                }
                Thread.sleep(50);
            }
        }
        throw new AssertionError("the standby did not replay up to " + lsn);
    }

    public String log(String name) throws IOException {
        return Files.readString(dir.resolve(name + ".log"));
    }

    @Override
    public void close() throws Exception {
        for (String name : List.of("standby", "primary")) {
            if (Files.exists(dir.resolve(name + "/postmaster.pid"))) {
                ctl(name, 0, "stop");
            }
        }
        OwnCluster.run("rm", "-rf", dir.toString());
    }
}
