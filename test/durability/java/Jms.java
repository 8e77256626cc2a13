package jmsdurability;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import javax.jms.Connection;
import javax.jms.JMSException;
import javax.jms.Message;
import javax.jms.MessageConsumer;
import javax.jms.TextMessage;

import org.apache.activemq.ActiveMQConnectionFactory;
import org.apache.activemq.ActiveMQXAConnectionFactory;

/** One broker's address, its connection factories, and assertion helpers. */
final class Jms {
    /** How long a message that must arrive may take. */
    static final long RECV_MS = 5000;
    /** How long to wait before concluding that no message is coming. */
    static final long QUIET_MS = 300;

    final String url;
    private final String user = System.getProperty("jms.user", "guest");
    private final String password = System.getProperty("jms.password", "guest");
    private final List<Connection> conns = new ArrayList<>();

    Jms(String url) {
        this.url = url;
    }

    ActiveMQConnectionFactory factory() {
        ActiveMQConnectionFactory f = new ActiveMQConnectionFactory(user, password, url);
        f.getRedeliveryPolicy().setRedeliveryDelay(0);
        f.getRedeliveryPolicy().setInitialRedeliveryDelay(0);
        return f;
    }

    /** A started connection, closed with the others at the end. */
    Connection connect() throws JMSException {
        return keep(factory().createConnection());
    }

    /** A started connection with a client id (durable subscriptions need one). */
    Connection connect(String clientId) throws JMSException {
        Connection c = factory().createConnection();
        c.setClientID(clientId);
        return keep(c);
    }

    javax.jms.XAConnection connectXA() throws JMSException {
        ActiveMQXAConnectionFactory f = new ActiveMQXAConnectionFactory(user, password, url);
        javax.jms.XAConnection c = f.createXAConnection();
        keep(c);
        return c;
    }

    private <C extends Connection> C keep(C c) throws JMSException {
        c.start();
        synchronized (conns) {
            conns.add(c);
        }
        return c;
    }

    void closeQuietly() {
        synchronized (conns) {
            for (Connection c : conns) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // The broker went away under it; nothing to release.
                }
            }
            conns.clear();
        }
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    static void eq(String what, Object want, Object got) {
        if (!Objects.equals(want, got)) {
            throw new AssertionError(what + ": got " + show(got) + ", want " + show(want));
        }
    }

    static String show(Object o) {
        return o == null ? "null" : o + " (" + o.getClass().getSimpleName() + ")";
    }

    /** The next message, which must arrive within RECV_MS. */
    static Message recv(MessageConsumer c, String what) throws JMSException {
        Message m = c.receive(RECV_MS);
        check(m != null, "no message within " + RECV_MS + " ms: " + what);
        return m;
    }

    static String text(Message m) throws JMSException {
        check(m instanceof TextMessage, "expected a TextMessage, got " + m);
        return ((TextMessage) m).getText();
    }

    /** Receives text messages until none arrives for QUIET_MS. */
    static List<Message> drain(MessageConsumer c) throws JMSException {
        List<Message> out = new ArrayList<>();
        long timeout = RECV_MS;
        while (true) {
            Message m = c.receive(timeout);
            if (m == null) {
                return out;
            }
            out.add(m);
            timeout = QUIET_MS;
        }
    }

    static List<String> texts(List<Message> ms) throws JMSException {
        List<String> out = new ArrayList<>();
        for (Message m : ms) {
            out.add(text(m));
        }
        return out;
    }

    /** Nothing arrives within QUIET_MS. */
    static void none(MessageConsumer c, String what) throws JMSException {
        Message m = c.receive(QUIET_MS);
        check(m == null, what + ": unexpected message " + m);
    }
}
