package io.rasd.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.rasd.testing.TestData;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.Permission;
import org.junit.jupiter.api.Test;

/**
 * The offline promise, checked inside the JVM: with every non-loopback connection refused, loading a model (DJL
 * engine start included) and generating still work. CI checks the same with the network switched off (unshare -n).
 */
class OfflineTest {

    /** Refuses connections to anything but loopback; allows everything else. */
    static final class NoNetwork extends SecurityManager {
        @Override
        public void checkConnect(String host, int port) {
            if (!(host.equals("localhost")
                    || host.startsWith("127.")
                    || host.equals("::1")
                    || host.equals("0:0:0:0:0:0:0:1"))) {
                throw new SecurityException("network access attempted: " + host + ":" + port);
            }
        }

        @Override
        public void checkConnect(String host, int port, Object context) {
            checkConnect(host, port);
        }

        @Override
        public void checkPermission(Permission perm) {
            // everything else is allowed
        }
    }

    @Test
    @SuppressWarnings("removal")
    void generatesWithEveryNonLoopbackConnectionRefused() {
        try {
            System.setSecurityManager(new NoNetwork());
        } catch (UnsupportedOperationException e) {
            assumeTrue(false, "this JDK has no SecurityManager; CI's unshare -n check covers the offline promise");
        }
        try {
            assertThatThrownBy(() -> {
                        try (Socket s = new Socket()) {
                            s.connect(new InetSocketAddress("169.254.169.254", 80), 200);
                        }
                    })
                    .isInstanceOf(SecurityException.class);
            CliRunner r = CliRunner.run(
                    "generate",
                    "--model",
                    TestData.hf("mistral-f32").toString(),
                    "--prompt",
                    "offline",
                    "--max-new-tokens",
                    "4",
                    "--json");
            assertThat(r.exitCode()).as(r.err()).isZero();
            assertThat(r.err()).doesNotContain("network access attempted");
        } finally {
            System.setSecurityManager(null);
        }
    }
}
