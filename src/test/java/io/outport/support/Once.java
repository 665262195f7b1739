package io.outport.support;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Work done once per machine (or per package) although failsafe runs test classes in two JVMs at once: the first
 * to take the lock file does it, the others wait on the lock and then find {@code done} there.
 */
final class Once {

    interface Work {
        void run() throws Exception;
    }

    private Once() {
    }

    /** Runs {@code work} under {@code lockFile} unless {@code done} exists once the lock is held. */
    static void underLock(Path lockFile, Path done, Work work) throws Exception {
        Files.createDirectories(lockFile.getParent());
        try (FileChannel lock = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock held = lock.lock()) {
            if (!Files.exists(done)) {
                work.run();
            }
        }
    }
}
