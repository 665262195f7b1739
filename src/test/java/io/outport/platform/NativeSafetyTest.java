package io.outport.platform;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Native-safe by construction: a native image initialises classes at build time, and a random generator in
 * a static field would be frozen into the image heap (the build refuses it). Every class of the service is
 * initialised here, as the image builder would, and no static field may then hold a Random or a Thread.
 */
class NativeSafetyTest {

    @Test
    void noClassKeepsARandomGeneratorOrAThreadInAStaticField() throws IOException {
        Path classes = Path.of("target/classes");
        List<String> offenders = new ArrayList<>();
        int checked = 0;
        // Its own copy of the project's classes: what other tests in this JVM have run (made Randomness's
        // generator, say) does not count, only what initialising a class does.
        ClassLoader fresh = new ChildFirst(classes, getClass().getClassLoader());
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                String name = classes.relativize(f).toString().replace('/', '.').replaceAll("\\.class$", "");
                if (!name.startsWith("io.outport.")) {
                    continue;
                }
                Class<?> type;
                try {
                    type = Class.forName(name, true, fresh);
                } catch (Throwable e) {
                    continue; // needs the running application to initialise: not initialised at build time either
                }
                checked++;
                for (Field field : type.getDeclaredFields()) {
                    if (!Modifier.isStatic(field.getModifiers()) || field.getType().isPrimitive()) {
                        continue;
                    }
                    try {
                        field.setAccessible(true);
                        Object value = field.get(null);
                        if (value instanceof Random || value instanceof Thread) {
                            offenders.add(name + "." + field.getName() + " holds a " + value.getClass().getSimpleName());
                        }
                    } catch (ReflectiveOperationException | RuntimeException e) {
                        // not readable here; its type is checked below
                    }
                    if (Random.class.isAssignableFrom(field.getType()) && Modifier.isFinal(field.getModifiers())) {
                        offenders.add(name + "." + field.getName() + " is a static final " + field.getType().getSimpleName());
                    }
                }
            }
        }
        assertTrue(checked > 50, "only " + checked + " classes were checked");
        assertEquals(List.of(), offenders);
        // Made at first use, by a running process.
        assertNotNull(Randomness.secure());
        assertSame(Randomness.secure(), Randomness.secure());
        assertEquals(16, Randomness.bytes(16).length);
    }

    /** Loads io.outport classes from the compiled classes itself, everything else from the test's loader. */
    private static final class ChildFirst extends ClassLoader {
        private final Path classes;

        ChildFirst(Path classes, ClassLoader parent) {
            super(parent);
            this.classes = classes;
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.startsWith("io.outport.")) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    try {
                        byte[] bytes = Files.readAllBytes(classes.resolve(name.replace('.', '/') + ".class"));
                        c = defineClass(name, bytes, 0, bytes.length);
                    } catch (IOException e) {
                        throw new ClassNotFoundException(name, e);
                    }
                }
                return c;
            }
        }
    }
}
