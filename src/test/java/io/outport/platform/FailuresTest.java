package io.outport.platform;

import io.vertx.pgclient.PgException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which database errors a retry can fix: a hot standby's recovery conflicts are among them. */
class FailuresTest {

    private static PgException pg(String state, String message) {
        return new PgException(message, "ERROR", state, null);
    }

    @Test
    void aQueryCanceledByAConflictWithRecoveryIsRetried() {
        assertTrue(Failures.isUnavailable(pg("40001", "canceling statement due to conflict with recovery")));
        assertTrue(Failures.isUnavailable(new RuntimeException(pg("40P01", "deadlock detected"))));
        assertTrue(Failures.isUnavailable(pg("57P01", "terminating connection due to administrator command")));
        assertTrue(Failures.isUnavailable(pg("08006", "connection failure")));
    }

    @Test
    void badDataIsNotButARefusedQuery() {
        assertFalse(Failures.isUnavailable(pg("22P02", "invalid input value for enum")));
        assertFalse(Failures.isUnavailable(pg("42501", "permission denied for table orders")));
        assertFalse(Failures.isUnavailable(pg("42P01", "relation does not exist")));
        assertTrue(Failures.isRefusedQuery(new RuntimeException(pg("22P02", "invalid input syntax for type bigint"))));
        assertTrue(Failures.isRefusedQuery(pg("42501", "permission denied for table orders")));
        assertFalse(Failures.isRefusedQuery(pg("40001", "canceling statement due to conflict with recovery")));
        assertFalse(Failures.isRefusedQuery(new IllegalStateException("no database")));
    }
}
