package jmssuite;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import javax.jms.Connection;
import javax.jms.Destination;
import javax.jms.JMSException;
import javax.jms.Message;
import javax.jms.MessageConsumer;
import javax.jms.MessageProducer;
import javax.jms.Session;
import javax.jms.TextMessage;

import org.apache.activemq.ActiveMQConnectionFactory;
import org.apache.activemq.ActiveMQXAConnectionFactory;
import org.apache.activemq.RedeliveryPolicy;

/**
 * What a scenario gets: the broker's address, names no other scenario or run uses,
 * connection factories, and assertion helpers. Connections made through it are closed
 * when the scenario ends, also when it times out, which is what unblocks a stuck call.
 */
final class Ctx {
    /** How long a message that must arrive may take. */
    static final long RECV_MS = 5000;
    /** How long to wait before concluding that no message is coming. */
    static final long QUIET_MS = 300;

    final String scenario;
    final String url;
    final String user;
    final String password;
    final boolean authEnforced;
    final String runId;
    private final List<Connection> conns = Collections.synchronizedList(new ArrayList<>());

    Ctx(String scenario, String url, String user, String password, boolean authEnforced, String runId) {
        this.scenario = scenario;
        this.url = url;
        this.user = user;
        this.password = password;
        this.authEnforced = authEnforced;
        this.runId = runId;
    }

    /** A destination name private to this scenario run. */
    String name(String suffix) {
        String base = "jms." + scenario + "." + runId;
        return suffix.isEmpty() ? base : base + "." + suffix;
    }

    /** A property value that marks this scenario's messages in shared queues (the DLQ). */
    String tag() {
        return scenario + "-" + runId;
    }

    /**
     * The stock factory, except that redeliveries are not delayed (the default waits a
     * second per rollback, which would only make the suite slow).
     */
    ActiveMQConnectionFactory factory() {
        return factory(user, password);
    }

    ActiveMQConnectionFactory factory(String u, String p) {
        ActiveMQConnectionFactory f = new ActiveMQConnectionFactory(u, p, url);
        f.setRedeliveryPolicy(noDelay(f.getRedeliveryPolicy()));
        return f;
    }

    ActiveMQXAConnectionFactory xaFactory() {
        ActiveMQXAConnectionFactory f = new ActiveMQXAConnectionFactory(user, password, url);
        f.setRedeliveryPolicy(noDelay(f.getRedeliveryPolicy()));
        return f;
    }

    private static RedeliveryPolicy noDelay(RedeliveryPolicy p) {
        p.setInitialRedeliveryDelay(0);
        p.setRedeliveryDelay(0);
        return p;
    }

    /** A started connection from the stock factory. */
    Connection connect() throws JMSException {
        return start(factory().createConnection());
    }

    /** Tracks and starts c. */
    <C extends Connection> C start(C c) throws JMSException {
        track(c);
        c.start();
        return c;
    }

    <C extends Connection> C track(C c) {
        conns.add(c);
        return c;
    }

    void closeAll() {
        List<Connection> copy;
        synchronized (conns) {
            copy = new ArrayList<>(conns);
            conns.clear();
        }
        for (Connection c : copy) {
            try {
                c.close();
            } catch (Exception ignored) {
                // A connection that cannot close cleanly (broker gone, already failed) is
                // still closed as far as this scenario is concerned.
            }
        }
    }

    /** Prints a note the Go driver attaches to this scenario's subtest. */
    void info(String fmt, Object... args) {
        JmsSuite.line("INFO " + scenario + ": " + String.format(fmt, args));
    }

    // ---- failover handshake ----

    private static final BlockingQueue<String> STDIN = new LinkedBlockingQueue<>();
    private static volatile boolean stdinStarted;

    /**
     * Asks the driver to restart the broker (it must keep the port and the store) and
     * waits until it says the new broker listens.
     */
    void restartBroker(long timeoutMs) throws Exception {
        synchronized (STDIN) {
            if (!stdinStarted) {
                stdinStarted = true;
                Thread t = new Thread(() -> {
                    try (BufferedReader r = new BufferedReader(new InputStreamReader(System.in))) {
                        for (String l; (l = r.readLine()) != null; ) {
                            STDIN.add(l.trim());
                        }
                    } catch (Exception ignored) {
                        // stdin closed: the driver is gone, the wait below times out
                    }
                }, "stdin");
                t.setDaemon(true);
                t.start();
            }
        }
        JmsSuite.line("RESTART-NOW " + scenario);
        String reply = STDIN.poll(timeoutMs, TimeUnit.MILLISECONDS);
        if (reply == null) {
            throw new AssertionError("driver did not restart the broker within " + timeoutMs + " ms");
        }
        if (!reply.equals("RESTARTED")) {
            throw new AssertionError("driver could not restart the broker: " + reply);
        }
    }

    // ---- assertions ----

    static void check(boolean ok, String fmt, Object... args) {
        if (!ok) {
            throw new AssertionError(String.format(fmt, args));
        }
    }

    static void eq(Object want, Object got, String what) {
        if (!Objects.equals(want, got)) {
            throw new AssertionError(what + ": want " + show(want) + ", got " + show(got));
        }
    }

    static String show(Object o) {
        if (o == null) {
            return "null";
        }
        String s = o instanceof String ? "\"" + o + "\"" : o + " (" + o.getClass().getSimpleName() + ")";
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    /** The scenario running on this thread, for the static helpers' notes. */
    static final ThreadLocal<Ctx> CURRENT = new ThreadLocal<>();
    private static final boolean TRACE = Boolean.getBoolean("jms.trace");
    private static final long SLOW_MS = 1000;

    /** Notes a wait that took long (always) or any wait (with -Djms.trace=true). */
    private static void timed(long startNanos, String what, boolean got) {
        long ms = (System.nanoTime() - startNanos) / 1_000_000;
        Ctx c = CURRENT.get();
        if (c != null && (TRACE || (got && ms > SLOW_MS))) {
            c.info("%s: %s after %d ms", what, got ? "message" : "nothing", ms);
        }
    }

    /** Receives a message that must arrive. */
    static Message recv(MessageConsumer c, String what) throws JMSException {
        long t0 = System.nanoTime();
        Message m = c.receive(RECV_MS);
        timed(t0, what, m != null);
        if (m == null) {
            throw new AssertionError(what + ": no message within " + RECV_MS + " ms");
        }
        return m;
    }

    /** Receives a TextMessage that must arrive and have the given body. */
    static Message recvText(MessageConsumer c, String want, String what) throws JMSException {
        Message m = recv(c, what);
        eq(want, text(m), what + " body");
        return m;
    }

    /** Asserts that no message arrives. */
    static void none(MessageConsumer c, String what) throws JMSException {
        long t0 = System.nanoTime();
        Message m = c.receive(QUIET_MS);
        timed(t0, what, m != null);
        if (m != null) {
            throw new AssertionError(what + ": want no message, got " + describe(m));
        }
    }

    /**
     * Asserts that no message is already here: for consumers that had the same quiet
     * period as another one just checked with {@link #none}.
     */
    static void noneNow(MessageConsumer c, String what) throws JMSException {
        Message m = c.receiveNoWait();
        if (m != null) {
            throw new AssertionError(what + ": want no message, got " + describe(m));
        }
    }

    static String text(Message m) throws JMSException {
        if (!(m instanceof TextMessage)) {
            throw new AssertionError("want a TextMessage, got " + describe(m));
        }
        return ((TextMessage) m).getText();
    }

    static String describe(Message m) {
        try {
            String body = m instanceof TextMessage ? " text=" + show(((TextMessage) m).getText()) : "";
            return m.getClass().getSimpleName() + " id=" + m.getJMSMessageID() + body
                    + " redelivered=" + m.getJMSRedelivered();
        } catch (JMSException e) {
            return m.getClass().getSimpleName();
        }
    }

    /** Sends texts prefix0..prefix(n-1), each with int property seq, through a new producer. */
    static void sendTexts(Session s, Destination d, String prefix, int n, int deliveryMode) throws JMSException {
        MessageProducer p = s.createProducer(d);
        p.setDeliveryMode(deliveryMode);
        for (int i = 0; i < n; i++) {
            TextMessage m = s.createTextMessage(prefix + i);
            m.setIntProperty("seq", i);
            p.send(m);
        }
        p.close();
    }

    static int deliveryCount(Message m) throws JMSException {
        return m.getIntProperty("JMSXDeliveryCount");
    }
}
