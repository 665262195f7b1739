package io.outport.webhook;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.DoubleSupplier;

/**
 * When a failed delivery is tried again: after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h and 10 h (the
 * schedule Standard Webhooks senders use, with one more 10 h step), each stretched or shrunk by up to 20 %
 * at random so that endpoints coming back are not hit by every sender at once. Nine attempts over 30 to
 * 45 hours (at least 24 h whatever the jitter); then failed.
 */
public final class RetrySchedule {

    static final List<Duration> DELAYS = List.of(Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofMinutes(30),
            Duration.ofHours(2), Duration.ofHours(5), Duration.ofHours(10), Duration.ofHours(10), Duration.ofHours(10));

    /** Attempts in all: the first and one per delay. */
    public static final int MAX_ATTEMPTS = DELAYS.size() + 1;

    private RetrySchedule() {
    }

    /**
     * The wait before the next attempt after {@code attempts} failed ones; empty when they are used up.
     * {@code random} gives numbers in [0, 1).
     */
    public static Optional<Duration> after(int attempts, DoubleSupplier random) {
        if (attempts < 1 || attempts > DELAYS.size()) {
            return Optional.empty();
        }
        double factor = 0.8 + 0.4 * random.getAsDouble();
        return Optional.of(Duration.ofMillis((long) (DELAYS.get(attempts - 1).toMillis() * factor)));
    }
}
