package io.outport.ops;

import io.outport.support.RealProcesses;
import io.outport.support.ServiceProcess;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The fast-start recipe (docs/operations.md, Dockerfile.jvm-aot): {@code aot-train.sh} writes an AOT cache
 * from a training start with no database and no object store and nothing in its environment (as in an
 * image build), and the packaged service then starts on that cache ({@code -XX:AOTMode=on}: a cache the
 * JVM cannot use fails the start) and becomes ready against a real database and S3Proxy. Needs a JDK 25+
 * (OUTPORT_AOT_JAVA, or one under /usr/lib/jvm); skipped without one.
 */
class FastStartIT extends RealProcesses {

    @Test
    void trainsWithoutServicesThenStartsOnTheCache() throws Exception {
        io.outport.support.ServiceProcess.assumeJvm();
        Optional<Path> java = jdk25();
        assumeTrue(java.isPresent(), "no JDK 25+ on this machine");
        Path cache = Files.createTempDirectory("outport-aot").resolve("app.aot");

        ProcessBuilder training = new ProcessBuilder("sh", "src/main/docker/aot-train.sh", java.get().toString(),
                "target/quarkus-app", cache.toString());
        training.environment().clear();
        training.environment().put("PATH", "/usr/bin:/bin");
        File trainingLog = Files.createTempFile("outport-aot-train", ".log").toFile();
        Process train = training.redirectErrorStream(true).redirectOutput(trainingLog).start();
        assertTrue(train.waitFor(180, TimeUnit.SECONDS), "training did not end");
        assertEquals(0, train.exitValue(), Files.readString(trainingLog.toPath()));
        assertTrue(Files.size(cache) > 0, "no cache written");

        try (ServiceProcess service = ServiceProcess.start("aot", infra, Map.of(), java.get(),
                List.of("-XX:AOTMode=on", "-XX:AOTCache=" + cache))) {
            assertTrue(service.output().contains("started in"), service.output());
        }
    }

    private static Optional<Path> jdk25() throws IOException {
        String given = System.getenv("OUTPORT_AOT_JAVA");
        if (given != null && !given.isBlank()) {
            return Optional.of(Path.of(given));
        }
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) {
            return Optional.empty();
        }
        try (Stream<Path> homes = Files.list(jvms)) {
            return homes.filter(home -> Files.isExecutable(home.resolve("bin/java")) && major(home) >= 25)
                    .map(home -> home.resolve("bin/java")).findFirst();
        }
    }

    /** The feature release in the JDK's {@code release} file (JAVA_VERSION="25.0.3"), 0 if unknown. */
    private static int major(Path home) {
        try {
            List<String> lines = Files.readAllLines(home.resolve("release"));
            for (String line : lines) {
                if (line.startsWith("JAVA_VERSION=")) {
                    String v = line.substring("JAVA_VERSION=".length()).replace("\"", "");
                    return Integer.parseInt(v.split("[.+-]")[0]);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }
}
