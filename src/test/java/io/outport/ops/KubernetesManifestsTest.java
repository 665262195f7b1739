package io.outport.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import io.outport.support.TestInfra;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The Kubernetes manifests in deploy/kubernetes parse, carry what a deployment needs (probes, resources,
 * grace period, roles, scale-to-zero) and the KEDA queue-depth query runs against the real schema.
 */
@QuarkusTest
class KubernetesManifestsTest {

    private static final Path DIR = Path.of("deploy/kubernetes");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    static List<JsonNode> documents() throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (Stream<Path> files = Files.list(DIR)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                try (YAMLParser parser = new YAMLFactory().createParser(file.toFile())) {
                    var it = YAML.readValues(parser, JsonNode.class);
                    while (it.hasNext()) {
                        JsonNode doc = it.next();
                        if (doc != null && !doc.isNull() && !doc.isEmpty()) {
                            docs.add(doc);
                        }
                    }
                }
            }
        }
        return docs;
    }

    static Map<String, JsonNode> byKindAndName(List<JsonNode> docs) {
        Map<String, JsonNode> map = new HashMap<>();
        for (JsonNode d : docs) {
            assertTrue(d.hasNonNull("kind"), "every document has a kind: " + d);
            if (!d.get("kind").asText().equals("Kustomization")) {
                assertTrue(d.hasNonNull("apiVersion") && d.path("metadata").hasNonNull("name"), "apiVersion and name: " + d);
                map.put(d.get("kind").asText() + "/" + d.get("metadata").get("name").asText(), d);
            }
        }
        return map;
    }

    @Test
    void manifestsDeclareEverythingADeploymentNeeds() throws IOException {
        Map<String, JsonNode> m = byKindAndName(documents());
        for (String required : List.of("Deployment/outport-api", "Deployment/outport-worker", "Service/outport",
                "HorizontalPodAutoscaler/outport-api", "ScaledObject/outport-worker", "TriggerAuthentication/outport-postgres",
                "PodDisruptionBudget/outport-api", "PodDisruptionBudget/outport-worker", "ConfigMap/outport-config",
                "Secret/outport-secrets", "Job/outport-migrate")) {
            assertTrue(m.containsKey(required), "missing " + required + " in " + m.keySet());
        }
        for (String name : List.of("outport-api", "outport-worker")) {
            JsonNode pod = m.get("Deployment/" + name).at("/spec/template/spec");
            JsonNode c = pod.at("/containers/0");
            assertEquals("/q/health/live", c.at("/livenessProbe/httpGet/path").asText(), name);
            assertEquals("/q/health/ready", c.at("/readinessProbe/httpGet/path").asText(), name);
            for (String r : List.of("/resources/requests/cpu", "/resources/requests/memory", "/resources/limits/memory")) {
                assertFalse(c.at(r).isMissingNode(), name + r);
            }
            assertEquals("outport-config", c.at("/envFrom/0/configMapRef/name").asText());
            assertEquals("outport-secrets", c.at("/envFrom/1/secretRef/name").asText());
        }
        assertEquals("false", env(m.get("Deployment/outport-api"), "OUTPORT_WORKER_ENABLED"));
        assertEquals("false", env(m.get("Deployment/outport-worker"), "OUTPORT_API_ENABLED"));
        JsonNode config = m.get("ConfigMap/outport-config").get("data");
        long grace = m.get("Deployment/outport-worker").at("/spec/template/spec/terminationGracePeriodSeconds").asLong();
        Duration shutdown = parse(config.get("QUARKUS_SHUTDOWN_TIMEOUT").asText());
        Duration handBack = parse(config.get("OUTPORT_WORKER_SHUTDOWN_GRACE").asText());
        assertTrue(handBack.compareTo(shutdown) < 0, "the hand-back happens within Quarkus' shutdown timeout");
        assertTrue(grace > shutdown.toSeconds(), "SIGKILL comes after the hand-back: " + grace + " s");
        JsonNode scaled = m.get("ScaledObject/outport-worker").get("spec");
        assertEquals(0, scaled.get("minReplicaCount").asInt());
        assertEquals("outport-worker", scaled.at("/scaleTargetRef/name").asText());
        assertEquals("postgresql", scaled.at("/triggers/0/type").asText());
        assertEquals(config.get("OUTPORT_WORKER_CONCURRENCY").asText(), scaled.at("/triggers/0/metadata/targetQueryValue").asText());
        assertEquals("true", env(m.get("Job/outport-migrate"), "QUARKUS_INIT_AND_EXIT"));
    }

    @Test
    void kedaQueryRunsAgainstTheSchemaAndCountsDueAndRunningExports() throws Exception {
        String query = byKindAndName(documents()).get("ScaledObject/outport-worker").at("/spec/triggers/0/metadata/query").asText();
        try (Connection c = TestInfra.connect()) {
            ResultSet rs = c.createStatement().executeQuery(query);
            assertTrue(rs.next());
            long before = rs.getLong(1);
            assertFalse(rs.next(), "one row");
            String tenant = io.outport.support.Api.newTenant("keda");
            // One due, one not yet due: only the due one counts.
            String due = io.outport.support.Exports.parkedExport(tenant);
            io.outport.support.Exports.parkedExport(tenant);
            c.createStatement().execute("update export set run_at = now() - interval '1 day' where id = '" + due + "'");
            ResultSet after = c.createStatement().executeQuery(query);
            after.next();
            assertTrue(after.getLong(1) >= before + 1, "the due export is counted");
            c.createStatement().execute("update export set status = 'canceled', finished_at = now(), cancel_requested = true"
                    + " where tenant_id = '" + tenant + "'");
        }
    }

    private static String env(JsonNode workload, String name) {
        for (JsonNode e : workload.at("/spec/template/spec/containers/0/env")) {
            if (e.get("name").asText().equals(name)) {
                return e.get("value").asText();
            }
        }
        return null;
    }

    private static Duration parse(String s) {
        return Duration.ofSeconds(Long.parseLong(s.replace("s", "")));
    }
}
