package io.outport.platform;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The OpenAPI document the build generated (the one the service serves) passes spectral (spectral:oas) and
 * redocly (recommended, see redocly.yaml) with no problem of any severity. The linters are npm packages
 * that .ci/run installs (OUTPORT_LINT_DIR); without them the test is skipped, except in CI, where it fails.
 */
class OpenApiLintIT {

    private static Path linter(String name) {
        String dir = System.getenv().getOrDefault("OUTPORT_LINT_DIR", System.getProperty("user.home") + "/.cache/outport-lint");
        Path bin = Path.of(dir, "node_modules", ".bin", name);
        if (!Files.isExecutable(bin)) {
            assertNotEquals("true", System.getenv("CI"), name + " is not installed in " + dir + " (.ci/run installs it)");
            Assumptions.abort(name + " is not installed in " + dir + "; bash .ci/run installs it");
        }
        return bin;
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "the linter ends");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    @Test
    void spectralFindsNothing() throws Exception {
        String out = run(linter("spectral").toString(), "lint", "--ruleset", ".spectral.yaml", "--fail-severity=hint",
                "target/openapi/openapi.json");
        assertTrue(out.contains("No results with a severity of 'hint' or higher found"), out);
    }

    @Test
    void redoclyFindsNothing() throws Exception {
        String out = run(linter("redocly").toString(), "lint", "--config", "redocly.yaml", "target/openapi/openapi.json");
        assertTrue(out.contains("Your API description is valid"), out);
        assertFalse(out.matches("(?s).*You have [0-9]+ warnings?.*"), out);
    }
}
