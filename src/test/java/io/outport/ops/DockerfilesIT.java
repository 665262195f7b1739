package io.outport.ops;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * No Docker engine runs here, so the Dockerfiles are checked by reading them, after {@code package}
 * (failsafe, integration-test phase): the JVM image copies paths that exist, runs as a non-root user,
 * and the native images copy the runner that {@code -Pnative} produces.
 */
class DockerfilesIT {

    private static final Pattern COPY = Pattern.compile("^COPY\\s+(?:--\\S+\\s+)*(\\S+)\\s+(\\S+)\\s*$", Pattern.MULTILINE);

    private static List<String> sources(String dockerfile) throws Exception {
        String text = Files.readString(Path.of("src/main/docker", dockerfile));
        assertTrue(text.lines().anyMatch(l -> l.startsWith("FROM ")), dockerfile + " has a base image");
        assertTrue(text.lines().anyMatch(l -> l.matches("USER (185|1001)")), dockerfile + " runs as non-root");
        assertTrue(text.contains("EXPOSE 8080"));
        List<String> sources = new ArrayList<>();
        Matcher m = COPY.matcher(text);
        while (m.find()) {
            sources.add(m.group(1));
        }
        assertFalse(sources.isEmpty(), dockerfile + " copies the application");
        return sources;
    }

    @Test
    void jvmImageCopiesTheFastJarLayoutThatPackageBuilt() throws Exception {
        io.outport.support.ServiceProcess.assumeJvm();
        List<String> sources = sources("Dockerfile.jvm");
        assertEquals(List.of("target/quarkus-app/lib/", "target/quarkus-app/*.jar", "target/quarkus-app/app/",
                "target/quarkus-app/quarkus/"), sources);
        assertTrue(Files.isDirectory(Path.of("target/quarkus-app/lib/main")));
        assertTrue(Files.isRegularFile(Path.of("target/quarkus-app/quarkus-run.jar")));
        assertTrue(Files.isDirectory(Path.of("target/quarkus-app/app")));
        assertTrue(Files.isRegularFile(Path.of("target/quarkus-app/quarkus/quarkus-application.dat")));
        String text = Files.readString(Path.of("src/main/docker/Dockerfile.jvm"));
        assertTrue(text.contains("JAVA_APP_JAR=\"/deployments/quarkus-run.jar\""));
        // The image's JVM options are ones this JVM accepts together (one collector, a heap bound).
        List<String> check = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        check.addAll(io.outport.support.ServiceProcess.imageJvmOptions());
        assertTrue(check.contains("-Xmx256m"));
        check.add("-version");
        Process version = new ProcessBuilder(check).redirectErrorStream(true).start();
        String said = new String(version.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, version.waitFor(), said);
        // Test-only and dev-only dependencies never reach the image.
        try (var libs = Files.list(Path.of("target/quarkus-app/lib/main"))) {
            assertTrue(libs.noneMatch(p -> p.getFileName().toString().matches("(?i).*(s3proxy|jclouds|junit|rest-assured).*")));
        }
    }

    @Test
    void aotImageTrainsItsCacheWithItsOwnJavaOnTheCopiedFiles() throws Exception {
        io.outport.support.ServiceProcess.assumeJvm();
        assertEquals(List.of("target/quarkus-app/lib/", "target/quarkus-app/*.jar", "target/quarkus-app/app/",
                "target/quarkus-app/quarkus/", "src/main/docker/aot-train.sh"), sources("Dockerfile.jvm-aot"));
        assertTrue(Files.isRegularFile(Path.of("src/main/docker/aot-train.sh")));
        String text = Files.readString(Path.of("src/main/docker/Dockerfile.jvm-aot"));
        int train = text.indexOf("RUN sh aot-train.sh java /deployments /deployments/app.aot");
        // After every file is in place (a cache fits only the class path that wrote it), as the service's user,
        // and read by the entry point from the same folder.
        assertTrue(train > text.lastIndexOf("\nCOPY "), "the cache is trained after the last COPY");
        assertTrue(text.indexOf("\nUSER 185") < train && text.indexOf("\nWORKDIR /deployments") < train);
        assertTrue(text.contains("-XX:AOTCache=app.aot") && text.contains("-jar quarkus-run.jar"));
    }

    @Test
    void nativeImagesCopyTheNativeRunner() throws Exception {
        for (String f : List.of("Dockerfile.native", "Dockerfile.native-micro")) {
            assertEquals(List.of("target/*-runner"), sources(f), f);
            String text = Files.readString(Path.of("src/main/docker", f));
            String user = text.lines().filter(l -> l.startsWith("USER ")).reduce((a, b) -> b).orElse("USER root");
            assertFalse(user.equals("USER root") || user.equals("USER 0"), f + " runs as " + user);
            assertTrue(text.contains("\"-Xmx"), f + " bounds the heap: a native executable sizes it from the host otherwise");
        }
        // The builder image is pinned to the GraalVM line the native integration tests ran on.
        assertTrue(Files.readString(Path.of("pom.xml")).contains(
                "<quarkus.native.builder-image>quay.io/quarkus/ubi9-quarkus-graalvmce-builder-image:jdk-25<"));
    }
}
