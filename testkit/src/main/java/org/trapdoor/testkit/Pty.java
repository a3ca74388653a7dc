package org.trapdoor.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A program on a pseudo-terminal, typed at as a user would: util-linux {@code script} gives it the
 * terminal; what it prints is read on a thread of its own and searched by pattern, with the
 * terminal's escape sequences removed. A pseudo-terminal made this way, from a test that has no
 * terminal itself, reports a size of 0x0, as some CI runners and {@code docker exec -t} do.
 */
public final class Pty implements AutoCloseable {
    private static final Pattern ESCAPES = Pattern.compile("\u001b(\\[[0-9;?]*[ -/]*[@-~]|[=>()][0-9A-Za-z]?|\\][^\u0007]*\u0007)");

    private final Process process;
    private final OutputStream keys;
    private final StringBuffer screen = new StringBuffer();
    private int mark;

    private Pty(Process process) {
        this.process = process;
        this.keys = process.getOutputStream();
        Thread reader = new Thread(() -> {
            try (InputStream in = process.getInputStream()) {
                byte[] buf = new byte[8192];
                int n;
                while ((n = in.read(buf)) > 0) {
                    screen.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                // the program ended
            }
        }, "pty-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** Whether {@code script} is there to make a pseudo-terminal. */
    public static boolean available() {
        return Files.isExecutable(Path.of("/usr/bin/script"));
    }

    /** Runs {@code shellCommand} (through sh) on a new pseudo-terminal. */
    public static Pty open(Path dir, String shellCommand) throws IOException {
        Process p = new ProcessBuilder(List.of("/usr/bin/script", "-q", "-e", "-c", shellCommand, "/dev/null"))
                .directory(dir.toFile()).redirectErrorStream(true).start();
        return new Pty(p);
    }

    /** Types {@code text} (use \r for Enter, \u0003 for Ctrl-C, \u0004 for Ctrl-D). */
    public Pty type(String text) throws IOException {
        keys.write(text.getBytes(StandardCharsets.UTF_8));
        keys.flush();
        return this;
    }

    /**
     * Waits until the output since the last match contains {@code regex}; returns the match. The
     * test's timeout bounds the wait.
     */
    public Matcher await(String regex) throws InterruptedException {
        Pattern p = Pattern.compile(regex);
        while (true) {
            String s = plain();
            Matcher m = p.matcher(s);
            if (m.find(Math.min(mark, s.length()))) {
                mark = m.end();
                return m;
            }
            if (!process.isAlive() && p.matcher(plain()).find(Math.min(mark, plain().length())) == false) {
                throw new AssertionError("the program ended without printing /" + regex + "/:\n" + s.substring(Math.min(mark, s.length())));
            }
            Thread.sleep(20);
        }
    }

    /** Everything printed so far, escape sequences removed. */
    public String plain() {
        return ESCAPES.matcher(screen).replaceAll("");
    }

    /** Waits for the program to end and returns its status. */
    public int exitStatus() throws InterruptedException {
        process.waitFor();
        return process.exitValue();
    }

    public boolean exited(long seconds) throws InterruptedException {
        return process.waitFor(seconds, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
