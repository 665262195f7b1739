package io.outport.export.worker;

import java.util.function.LongSupplier;

/**
 * The shared state of one running attempt between the pipeline and the worker: why it must stop (if it
 * must) and how far it got, for the heartbeat's progress columns.
 */
public final class RunControl {

    /** Why a running attempt stops before completing. */
    public enum Stop { CANCELED, LEASE_LOST, SHUTDOWN }

    /** Thrown inside the pipeline at the next row batch once a stop was requested. */
    public static final class Stopped extends RuntimeException {
        Stopped(Stop reason) {
            super("stopped: " + reason, null, false, false);
        }
    }

    private volatile Stop stop;
    private volatile LongSupplier rows = () -> 0;
    private volatile LongSupplier bytes = () -> 0;
    private volatile Long estimated;
    /** Writes the progress now instead of at the next periodic heartbeat; set by the worker. */
    private volatile Runnable beat = () -> { };

    public void stop(Stop reason) {
        // The first reason wins: a cancel during shutdown stays a cancel.
        if (stop == null) {
            stop = reason;
        }
    }

    public Stop stopReason() {
        return stop;
    }

    /** Throws when the attempt must stop; called between row batches. */
    public void check() {
        Stop s = stop;
        if (s != null) {
            throw new Stopped(s);
        }
    }

    void progress(LongSupplier rows, LongSupplier bytes) {
        this.rows = rows;
        this.bytes = bytes;
    }

    /** The rows of the attempt's snapshot, counted before its first row (written with the attempt's first beat). */
    void estimated(long rows) {
        this.estimated = rows;
    }

    /** The rows of the attempt's snapshot, counted beside it while it runs: written at once. */
    void counted(long rows) {
        this.estimated = rows;
        beat.run();
    }

    /** How the worker writes the progress at once (its heartbeat). */
    void beatWith(Runnable beat) {
        this.beat = beat;
    }

    Long estimated() {
        return estimated;
    }

    long rows() {
        return rows.getAsLong();
    }

    long bytes() {
        return bytes.getAsLong();
    }
}
