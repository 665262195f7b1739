package io.outport.platform;

import java.security.SecureRandom;

/**
 * The process's one {@link SecureRandom}, made at its first use. A native image initialises classes at build
 * time and may not carry a seeded generator in its heap (every process would share its seed), so no class
 * keeps one in a static initializer; this holder stays empty until a running process asks.
 */
public final class Randomness {

    private static volatile SecureRandom random;

    private Randomness() {
    }

    public static SecureRandom secure() {
        SecureRandom r = random;
        if (r == null) {
            // Two threads may both make one on the first calls; either is as good, and one is kept.
            r = new SecureRandom();
            random = r;
        }
        return r;
    }

    /** {@code n} random bytes. */
    public static byte[] bytes(int n) {
        byte[] b = new byte[n];
        secure().nextBytes(b);
        return b;
    }
}
