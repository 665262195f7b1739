package io.outport.export.push;

import io.outport.export.ExportReads;
import io.outport.support.Api;
import io.outport.support.Exports;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An event stream reads the export, then follows it. The last change of an export is announced once: when it
 * falls between the read and the follow (here made to, with the change committed in SQL as another replica
 * would), the stream must still get it: following with the notices count taken before the read reads it again.
 */
@QuarkusTest
class ChangeBetweenReadAndFollowTest {

    @Inject
    ExportChanges changes;

    @Inject
    ExportReads reads;

    @Test
    void aChangeAnnouncedBetweenTheReadAndTheFollowReachesTheFollower() {
        Api.TenantKey t = Api.newTenantWithKey();
        UUID id = UUID.fromString(Exports.parkedExport(t.tenantId()));
        UUID tenant = UUID.fromString(t.tenantId());

        long notices = changes.notices();
        ExportReads.Snapshot read = reads.find(tenant, id).await().atMost(Duration.ofSeconds(10)).orElseThrow();
        assertEquals("queued", read.export().status().name());
        Exports.sql("update export set status = 'canceled', finished_at = now() where id = '" + id + "'");
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (changes.notices() == notices && System.nanoTime() < deadline) {
            Exports.pause(20);
        }
        assertNotEquals(notices, changes.notices(), "the change was announced to this replica");

        List<String> seen = new CopyOnWriteArrayList<>();
        // As the event stream follows: with the notices count taken before its read.
        Runnable unfollow = changes.follow(id, s -> seen.add(s.export().status().name()), notices);
        try {
            deadline = System.nanoTime() + 10_000_000_000L;
            while (seen.isEmpty() && System.nanoTime() < deadline) {
                Exports.pause(20);
            }
            assertTrue(seen.contains("canceled"), "the follower got the change announced before it followed: " + seen);
        } finally {
            unfollow.run();
        }
    }
}
