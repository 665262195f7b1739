package io.outport.platform;

import io.vertx.pgclient.PgException;

import java.io.IOException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;

/** Classifies failures of dependencies: a database or S3 that cannot be reached is transient. */
public final class Failures {

    private Failures() {
    }

    /** True when the failure means PostgreSQL or S3 is unreachable or overloaded, so a retry may help. */
    public static boolean isUnavailable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof PgException pg) {
                String state = pg.getSqlState();
                // 08: connection exceptions, 57P: operator intervention (shutdown), 53: resources, 40001: a
                // query on a hot standby canceled by a conflict with recovery (or a serialization failure).
                return state != null && (state.startsWith("08") || state.startsWith("57P") || state.startsWith("53")
                        || state.equals("40001") || state.equals("40P01"));
            }
            if (t instanceof IOException || t instanceof TimeoutException
                    || t instanceof io.netty.channel.ChannelException
                    || t instanceof io.vertx.core.http.ConnectionPoolTooBusyException
                    || t instanceof io.vertx.sqlclient.ClosedConnectionException
                    || t instanceof software.amazon.awssdk.core.exception.SdkClientException) {
                return true;
            }
            if (t instanceof software.amazon.awssdk.awscore.exception.AwsServiceException s3 && s3.statusCode() >= 500) {
                return true;
            }
            String name = t.getClass().getName();
            if (name.contains("NoStackTraceThrowable") && String.valueOf(t.getMessage()).contains("onnection")) {
                return true;
            }
            if (t.getCause() == t || (t instanceof CompletionException && t.getCause() == null)) {
                break;
            }
        }
        return false;
    }

    /**
     * True when PostgreSQL refused a query for what it says, not for how the database is doing: a data
     * exception (class 22: a value a type cannot hold) or a syntax or access rule (class 42: no such table or
     * column, permission denied). The same query would be refused again.
     */
    public static boolean isRefusedQuery(Throwable e) {
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof PgException pg) {
                String state = pg.getSqlState();
                return state != null && (state.startsWith("22") || state.startsWith("42"));
            }
        }
        return false;
    }

    /** A one-line description without class names of the framework, for logs and error messages. */
    public static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return message == null ? root.getClass().getSimpleName() : message;
    }
}
