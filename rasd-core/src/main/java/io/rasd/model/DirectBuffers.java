package io.rasd.model;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;

/**
 * Frees a direct or mapped buffer now instead of at some later garbage collection. Loading widens a half checkpoint
 * tensor by tensor into f32 direct buffers and maps every tensor: left to the collector, a 0.5B model's load peaked at
 * 5.1 GB resident where its weights take 1-2 GB (direct memory is off the heap, so nothing urges a collection).
 * Uses {@code sun.misc.Unsafe.invokeCleaner} (module jdk.unsupported), as Netty and Lucene do; where the JDK does not
 * offer it, buffers are left to the collector as before.
 *
 * <p>Only for a buffer that nothing reads any more: an access after freeing crashes the JVM.
 */
final class DirectBuffers {

    private static final Object UNSAFE;
    private static final Method INVOKE_CLEANER;

    static {
        Object unsafe = null;
        Method cleaner = null;
        try {
            Class<?> c = Class.forName("sun.misc.Unsafe");
            Field f = c.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            unsafe = f.get(null);
            cleaner = c.getMethod("invokeCleaner", ByteBuffer.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            unsafe = null;
            cleaner = null;
        }
        UNSAFE = unsafe;
        INVOKE_CLEANER = cleaner;
    }

    private DirectBuffers() {}

    /** Releases {@code b}'s memory or mapping at once when it is a direct buffer that owns it; otherwise nothing. */
    static void free(ByteBuffer b) {
        if (INVOKE_CLEANER == null || b == null || !b.isDirect() || b.capacity() == 0) {
            return;
        }
        try {
            INVOKE_CLEANER.invoke(UNSAFE, b);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // a slice or duplicate (it owns nothing): the collector frees its parent
        }
    }
}
