package io.outport.export.storage;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.inject.Vetoed;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ExportStorage#bucketReady()}: one shared check, run on a worker thread and not on the caller's (the
 * first S3 call builds the AWS client, which must not happen on an event loop), done once it succeeded,
 * tried again after it failed. The S3 call is replaced by a recorded outcome: this is the sharing logic.
 */
class BucketReadyTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    /** An ExportStorage whose bucket check answers what the test says and records the threads it ran on. */
    @Vetoed
    static final class Scripted extends ExportStorage {
        final List<Thread> ranOn = Collections.synchronizedList(new ArrayList<>());
        volatile CompletableFuture<Void> answer = new CompletableFuture<>();

        Scripted() {
            super(null, null, null);
        }

        @Override
        public Uni<Void> ensureBucket() {
            return Uni.createFrom().completionStage(() -> {
                ranOn.add(Thread.currentThread());
                return answer;
            });
        }
    }

    @Test
    void callersShareOneCheckThatRunsOffTheirThread() {
        Scripted storage = new Scripted();
        Uni<Void> first = storage.bucketReady();
        Uni<Void> second = storage.bucketReady();
        assertFalse(storage.bucketChecked(), "checked before the bucket answered");
        storage.answer.complete(null);

        first.await().atMost(WAIT);
        second.await().atMost(WAIT);
        storage.bucketReady().await().atMost(WAIT);

        assertTrue(storage.bucketChecked());
        assertEquals(1, storage.ranOn.size(), "one check for all callers, and none once it succeeded");
        assertNotEquals(Thread.currentThread(), storage.ranOn.get(0), "the check ran on the caller's thread");
    }

    @Test
    void aFailedCheckIsTriedAgainByTheNextCaller() throws InterruptedException {
        Scripted storage = new Scripted();
        storage.answer.completeExceptionally(new IllegalStateException("bucket unreachable"));
        assertThrows(IllegalStateException.class, () -> storage.bucketReady().await().atMost(WAIT));
        assertEquals(1, storage.ranOn.size(), "a failed check is retried by the next caller, not in a loop");
        assertFalse(storage.bucketChecked(), "a failed check counts as checked");

        storage.answer = CompletableFuture.completedFuture(null);
        CountDownLatch done = new CountDownLatch(1);
        storage.bucketReady().subscribe().with(ok -> done.countDown(), failure -> { });

        assertTrue(done.await(WAIT.toSeconds(), TimeUnit.SECONDS), "the second check did not succeed");
        assertEquals(2, storage.ranOn.size());
    }
}
