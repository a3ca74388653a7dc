package org.trapdoor.api.trace;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The machine's trace registry (an OSGi service; the machine hands it to every model through its
 * bind context, and to its upstream ports): the declared trace points, their switches, and the
 * bounded ring their records go to. Look it up once, when binding; a hot path only touches the
 * {@link TracePoint} it was given.
 */
@ProviderType
public interface Tracing {
    /**
     * The live point of {@code event}: the same point for every model that declares the same
     * event (a swapped-in model carries on with the switch the old one had). A declaration whose
     * fields differ from the one in force replaces it (a model updated to a new version) and
     * keeps its switch. A new point is on when the last {@link #enable} rule whose pattern
     * matches its name said so.
     */
    TracePoint point(TraceEvent event);

    /** Every point declared, by name. */
    List<TracePoint> points();

    /**
     * Switches every point whose name matches {@code pattern} ({@code *} any run, {@code ?} one
     * character; a plain name matches itself), and remembers the rule for points declared later.
     *
     * @return the number of points declared now that match
     * @throws IllegalArgumentException for an empty pattern
     */
    int enable(String pattern, boolean on);

    /** How many records the ring holds at most; older ones are overwritten. */
    int capacity();

    /** The sequence number the next record will get (records so far, overwritten ones included). */
    long sequence();

    /** The last {@code n} records still in the ring, oldest first. */
    List<TraceRecord> last(int n);

    /**
     * The records from {@code sequence} on that are still in the ring, oldest first; those
     * already overwritten are skipped ({@code first().sequence() > sequence} tells).
     */
    List<TraceRecord> since(long sequence);

    /**
     * Switches every point on until the capture is closed (the switches set by {@link #enable}
     * are restored then), and collects what the calling thread emits meanwhile: what a
     * {@code follow} command needs to show one transaction's hops.
     */
    TraceCapture capture();

    /**
     * Also writes every record to {@code file} as it comes (one line each, by a writer thread
     * that follows the ring, so no emitting thread waits for the disk); {@code null} stops.
     *
     * @throws IOException if the file cannot be opened
     */
    void writeTo(Path file) throws IOException;

    /** The file records are written to now, or {@code null}. */
    Path file();

    /** A registry that keeps nothing: every point it gives is {@link TracePoint#NEVER}. */
    Tracing OFF = new Tracing() {
        @Override
        public TracePoint point(TraceEvent event) {
            return TracePoint.NEVER;
        }

        @Override
        public List<TracePoint> points() {
            return List.of();
        }

        @Override
        public int enable(String pattern, boolean on) {
            return 0;
        }

        @Override
        public int capacity() {
            return 0;
        }

        @Override
        public long sequence() {
            return 0;
        }

        @Override
        public List<TraceRecord> last(int n) {
            return List.of();
        }

        @Override
        public List<TraceRecord> since(long sequence) {
            return List.of();
        }

        @Override
        public TraceCapture capture() {
            return new TraceCapture() {
                @Override
                public List<TraceRecord> records() {
                    return List.of();
                }

                @Override
                public long lost() {
                    return 0;
                }

                @Override
                public void close() {
                }
            };
        }

        @Override
        public void writeTo(Path file) {
            throw new UnsupportedOperationException("tracing is off in this machine");
        }

        @Override
        public Path file() {
            return null;
        }
    };

    /** {@code pattern} as a glob over point names ({@code *}, {@code ?}). */
    static boolean matches(String pattern, String name) {
        return glob(pattern, 0, name, 0);
    }

    private static boolean glob(String p, int i, String s, int j) {
        while (i < p.length()) {
            char c = p.charAt(i);
            if (c == '*') {
                for (int k = j; k <= s.length(); k++) {
                    if (glob(p, i + 1, s, k)) {
                        return true;
                    }
                }
                return false;
            }
            if (j >= s.length() || (c != '?' && c != s.charAt(j))) {
                return false;
            }
            i++;
            j++;
        }
        return j == s.length();
    }
}
