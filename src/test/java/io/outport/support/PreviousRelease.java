package io.outport.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The last release before this build, packaged, for tests that run it beside the current build on one database
 * (rolling upgrades). The release is the newest one CHANGELOG.md names with the commit it was cut from; its
 * packaged app is built from that commit (git archive + the Maven wrapper, tests skipped) once per machine and
 * kept under ~/.cache/outport-releases/&lt;commit&gt;. {@code -Doutport.previous-release.app=/path/to/quarkus-app}
 * gives a packaged build instead.
 */
public final class PreviousRelease {

    private static final Pattern RELEASE = Pattern.compile("(?m)^## (\\d+\\.\\d+\\.\\d+)\\b[^\\n]*\\n(?:(?!## )[^\\n]*\\n)*?- Cut from: commit `([0-9a-f]{7,40})`");

    /** A release: its version and the commit it was cut from. */
    public record Release(String version, String commit) {
    }

    private PreviousRelease() {
    }

    /**
     * Builds the release ahead of the integration tests (the build runs this while the unit tests run, the cores
     * having room then). Arguments: {@code skipTests=… skipITs=… maven.test.skip=… it.test=… goals=[…]} as Maven
     * has them ({@code ${…}} when not set). Nothing to do unless the goals run the integration tests, all of them
     * (a run that names some may not need it), or when the machine has the release already; a failure is left to
     * the tests that need it, which build it then.
     */
    public static void main(String[] args) {
        boolean integration = false;
        for (String arg : args) {
            if (arg.indexOf('=') < 0) {
                continue;
            }
            String name = arg.substring(0, arg.indexOf('='));
            String value = arg.substring(arg.indexOf('=') + 1);
            boolean set = !value.startsWith("${");
            if (name.equals("goals")) {
                integration = Pattern.compile("\\b(integration-test|verify|install|deploy)\\b").matcher(value).find();
            } else if (name.equals("it.test") ? set && !value.isBlank() : set && !value.equals("false")) {
                return;
            }
        }
        if (!integration) {
            return;
        }
        try {
            System.out.println("[outport] the last release, for the rolling-upgrade tests: " + app());
        } catch (Exception e) {
            System.out.println("[outport] the last release could not be built ahead (the tests will try again): " + e.getMessage());
        }
    }

    /** The newest release the changelog names. */
    public static Release named() throws IOException {
        Matcher m = RELEASE.matcher(Files.readString(Path.of("CHANGELOG.md")));
        if (!m.find()) {
            throw new IllegalStateException("CHANGELOG.md names no release with '- Cut from: commit `…`'");
        }
        return new Release(m.group(1), m.group(2));
    }

    /** The release's packaged app folder (quarkus-app), built when this machine has none yet. */
    public static synchronized Path app() throws Exception {
        String given = System.getProperty("outport.previous-release.app");
        if (given != null && !given.isBlank()) {
            return Path.of(given);
        }
        Release release = named();
        Path cache = Path.of(System.getProperty("user.home"), ".cache", "outport-releases", release.commit());
        Path app = cache.resolve("quarkus-app");
        if (Files.exists(app.resolve("quarkus-run.jar"))) {
            return app;
        }
        // More than one test JVM may need the release on a new machine: one builds it, the others wait.
        Once.underLock(cache.resolveSibling(release.commit() + ".lock"), app.resolve("quarkus-run.jar"),
                () -> build(release, cache, app));
        return app;
    }

    private static void build(Release release, Path cache, Path app) throws Exception {
        Path src = Files.createDirectories(Path.of("target", "release-" + release.version()));
        Path log = src.resolveSibling("release-" + release.version() + ".log");
        // The commit must be in this clone's history (a shallow clone without it cannot run this test).
        Process build = new ProcessBuilder("bash", "-c", "set -euo pipefail; git archive --format=tar " + release.commit()
                + " | tar -x -C '" + src + "'; cd '" + src + "'; ./mvnw -B -q package -DskipTests")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        // Stopped half-way (Maven ends the build ahead when it ends first), the build's processes stop too.
        Thread stop = new Thread(() -> {
            build.descendants().forEach(ProcessHandle::destroy);
            build.destroy();
        });
        Runtime.getRuntime().addShutdownHook(stop);
        try {
            if (!build.waitFor(15, TimeUnit.MINUTES) || build.exitValue() != 0) {
                build.descendants().forEach(ProcessHandle::destroyForcibly);
                build.destroyForcibly();
                throw new IllegalStateException("building release " + release + " failed: " + Files.readString(log));
            }
        } finally {
            Runtime.getRuntime().removeShutdownHook(stop);
        }
        // Copied aside, then renamed: a run that stops half-way never leaves a half-copied release in the cache
        // (only a partial copy, removed here by the next build).
        Files.createDirectories(cache);
        try (var stale = Files.newDirectoryStream(cache, "quarkus-app.partial-*")) {
            for (Path p : stale) {
                removeTree(p);
            }
        }
        Path partial = cache.resolve("quarkus-app.partial-" + ProcessHandle.current().pid());
        Process copy = new ProcessBuilder(List.of("cp", "-r", src.resolve("target/quarkus-app").toString(), partial.toString()))
                .inheritIO().start();
        if (copy.waitFor() != 0) {
            throw new IllegalStateException("cannot copy the release's build to " + cache);
        }
        // What an interrupted run (or one without the lock) left is replaced by the complete copy.
        removeTree(app);
        Files.move(partial, app, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void removeTree(Path p) throws Exception {
        if (Files.exists(p) && new ProcessBuilder("rm", "-rf", p.toString()).inheritIO().start().waitFor() != 0) {
            throw new IllegalStateException("cannot remove " + p);
        }
    }
}
