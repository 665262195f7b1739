package io.outport.tenant;

import jakarta.enterprise.context.ApplicationScoped;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Limits portal code exchanges per client address on this replica (a fixed one-minute window): codes have 256
 * random bits, so this only keeps a flood of guesses from costing database work.
 */
@ApplicationScoped
public class PortalAttempts {

    static final int PER_MINUTE = 30;

    private record Window(long minute, int count) {
    }

    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

    /** Seconds to wait when this address is over the limit, else 0 (and the attempt is counted). */
    public long tryAcquire(String address) {
        long now = System.currentTimeMillis();
        long minute = now / 60_000;
        if (windows.size() > 50_000) {
            windows.clear();
        }
        Window w = windows.compute(address, (k, old) -> old == null || old.minute != minute
                ? new Window(minute, 1) : new Window(minute, old.count + 1));
        return w.count > PER_MINUTE ? Math.max(1, (minute + 1) * 60 - now / 1000) : 0;
    }
}
