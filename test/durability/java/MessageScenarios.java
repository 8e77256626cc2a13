package jmsdurability;

import static jmsdurability.Jms.check;
import static jmsdurability.Jms.eq;
import static jmsdurability.Jms.none;
import static jmsdurability.Jms.recv;
import static jmsdurability.Jms.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.jms.BytesMessage;
import javax.jms.Connection;
import javax.jms.DeliveryMode;
import javax.jms.MapMessage;
import javax.jms.Message;
import javax.jms.MessageConsumer;
import javax.jms.MessageProducer;
import javax.jms.Queue;
import javax.jms.Session;
import javax.jms.TextMessage;

import org.apache.activemq.ActiveMQSession;

/** Messages, acknowledgements and local transactions across a restart. */
final class MessageScenarios {
    private MessageScenarios() {}

    /** A message's headers and properties as a JMS consumer sees them. */
    static Map<String, Object> headers(Message m) throws Exception {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("JMSMessageID", m.getJMSMessageID());
        h.put("JMSCorrelationID", m.getJMSCorrelationID());
        h.put("JMSType", m.getJMSType());
        h.put("JMSReplyTo", String.valueOf(m.getJMSReplyTo()));
        h.put("JMSDestination", String.valueOf(m.getJMSDestination()));
        h.put("JMSPriority", m.getJMSPriority());
        h.put("JMSDeliveryMode", m.getJMSDeliveryMode());
        h.put("JMSTimestamp", m.getJMSTimestamp());
        h.put("JMSExpiration", m.getJMSExpiration());
        List<String> names = new ArrayList<>();
        for (Object n : Collections.list(m.getPropertyNames())) {
            String s = (String) n;
            if (!s.startsWith("JMSX")) {
                names.add(s);
            }
        }
        Collections.sort(names);
        for (String n : names) {
            h.put(n, m.getObjectProperty(n));
        }
        return h;
    }

    /** Sets one property of every JMS property type. */
    static void setProperties(Message m) throws Exception {
        m.setBooleanProperty("pBool", true);
        m.setByteProperty("pByte", (byte) -7);
        m.setShortProperty("pShort", (short) -1234);
        m.setIntProperty("pInt", 123456789);
        m.setLongProperty("pLong", -1234567890123L);
        m.setFloatProperty("pFloat", 3.25f);
        m.setDoubleProperty("pDouble", -6.125e100);
        m.setStringProperty("pString", "ünïcödé ✓");
        m.setStringProperty("pEmpty", "");
    }

    /**
     * Persistent Text, Bytes and Map messages keep every header and property (value and
     * type) and their bodies; a non-persistent message sent between them does not survive.
     * The sync send's response is the durability promise.
     */
    static final class Properties implements DurabilityJms.Scenario {
        private final List<Map<String, Object>> sent = new ArrayList<>();
        private final byte[] bytes = new byte[256];

        @Override
        public void before(Jms jms) throws Exception {
            Connection c = jms.connect();
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            Queue q = s.createQueue("dur.jms.props");
            MessageProducer p = s.createProducer(q);

            TextMessage t = s.createTextMessage("text ✓ body");
            setProperties(t);
            t.setJMSCorrelationID("corr-42");
            t.setJMSType("the-type");
            t.setJMSReplyTo(s.createQueue("dur.jms.reply"));
            p.send(t, DeliveryMode.PERSISTENT, 7, 3_600_000);
            sent.add(headers(t));

            p.send(s.createTextMessage("not persistent"), DeliveryMode.NON_PERSISTENT, 4, 0);

            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) i;
            }
            BytesMessage b = s.createBytesMessage();
            b.writeBytes(bytes);
            setProperties(b);
            p.send(b, DeliveryMode.PERSISTENT, 4, 0);
            sent.add(headers(b));

            MapMessage m = s.createMapMessage();
            m.setInt("i", 42);
            m.setString("s", "map ✓");
            m.setBytes("b", new byte[] {1, 2, 3});
            m.setDouble("d", 2.5);
            m.setBoolean("z", false);
            p.send(m, DeliveryMode.PERSISTENT, 4, 0);
            sent.add(headers(m));
        }

        @Override
        public void after(Jms jms) throws Exception {
            Connection c = jms.connect();
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageConsumer mc = s.createConsumer(s.createQueue("dur.jms.props"));
            Message t = recv(mc, "persistent TextMessage");
            eq("TextMessage body", "text ✓ body", text(t));
            eq("TextMessage headers and properties", sent.get(0), headers(t));
            eq("TextMessage JMSRedelivered", false, t.getJMSRedelivered());
            eq("TextMessage JMSXDeliveryCount", 1, t.getIntProperty("JMSXDeliveryCount"));

            Message b = recv(mc, "persistent BytesMessage (the non-persistent TextMessage sent before it must be gone)");
            check(b instanceof BytesMessage, "second message should be the BytesMessage, got " + b);
            byte[] got = new byte[300];
            int n = ((BytesMessage) b).readBytes(got);
            eq("BytesMessage body", Arrays.toString(bytes), Arrays.toString(Arrays.copyOf(got, Math.max(n, 0))));
            eq("BytesMessage headers and properties", sent.get(1), headers(b));

            Message m = recv(mc, "persistent MapMessage");
            check(m instanceof MapMessage, "third message should be the MapMessage, got " + m);
            MapMessage mm = (MapMessage) m;
            eq("map i", 42, mm.getObject("i"));
            eq("map s", "map ✓", mm.getObject("s"));
            eq("map b", "[1, 2, 3]", Arrays.toString(mm.getBytes("b")));
            eq("map d", 2.5, mm.getObject("d"));
            eq("map z", false, mm.getObject("z"));
            eq("MapMessage headers and properties", sent.get(2), headers(m));
            none(mc, "after the three persistent messages");
        }
    }

    /**
     * Messages received but not acknowledged come back with JMSRedelivered and
     * JMSXDeliveryCount 2; an individually acknowledged one does not come back; a message
     * never consumed comes back with JMSRedelivered false and JMSXDeliveryCount 1.
     */
    static final class Redelivery implements DurabilityJms.Scenario {
        @Override
        public void before(Jms jms) throws Exception {
            Connection c = jms.connect();
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageProducer p = s.createProducer(null);
            p.setDeliveryMode(DeliveryMode.PERSISTENT);
            Queue q = s.createQueue("dur.jms.redelivery");
            for (int i = 1; i <= 3; i++) {
                p.send(q, s.createTextMessage("r-" + i));
            }
            p.send(s.createQueue("dur.jms.fresh"), s.createTextMessage("fresh"));

            // Stays open, holding r-2 and r-3, until the broker goes down.
            Connection holder = jms.connect();
            Session hs = holder.createSession(false, ActiveMQSession.INDIVIDUAL_ACKNOWLEDGE);
            MessageConsumer mc = hs.createConsumer(q);
            Message[] got = new Message[3];
            for (int i = 0; i < 3; i++) {
                got[i] = recv(mc, "r-" + (i + 1) + " before the restart");
                eq("body before the restart", "r-" + (i + 1), text(got[i]));
            }
            got[0].acknowledge();
            // A sync send on the same connection: once it is answered, the ack before it
            // and the delivery counts are on disk too (records are kept in order).
            hs.createProducer(hs.createQueue("dur.jms.settle")).send(hs.createTextMessage("settle"),
                    DeliveryMode.PERSISTENT, 4, 0);
        }

        @Override
        public void after(Jms jms) throws Exception {
            Connection c = jms.connect();
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageConsumer mc = s.createConsumer(s.createQueue("dur.jms.redelivery"));
            for (int i = 2; i <= 3; i++) {
                Message m = recv(mc, "r-" + i + " after the restart");
                eq("body (r-1 was acknowledged)", "r-" + i, text(m));
                eq("r-" + i + " JMSRedelivered", true, m.getJMSRedelivered());
                eq("r-" + i + " JMSXDeliveryCount", 2, m.getIntProperty("JMSXDeliveryCount"));
            }
            none(mc, "after r-2 and r-3");
            MessageConsumer fresh = s.createConsumer(s.createQueue("dur.jms.fresh"));
            Message m = recv(fresh, "the never-consumed message");
            eq("fresh body", "fresh", text(m));
            eq("fresh JMSRedelivered", false, m.getJMSRedelivered());
            eq("fresh JMSXDeliveryCount", 1, m.getIntProperty("JMSXDeliveryCount"));
        }
    }

    /**
     * Transacted sessions: committed sends survive (the commit's reply is the promise),
     * rolled-back and still-open ones do not; a committed receive stays consumed, a
     * rolled-back one comes back redelivered.
     */
    static final class Transacted implements DurabilityJms.Scenario {
        @Override
        public void before(Jms jms) throws Exception {
            Connection c = jms.connect();
            Session plain = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageProducer pp = plain.createProducer(plain.createQueue("dur.jms.tx.src"));
            pp.setDeliveryMode(DeliveryMode.PERSISTENT);
            for (int i = 1; i <= 3; i++) {
                pp.send(plain.createTextMessage("src-" + i));
            }

            Session tx = c.createSession(true, Session.SESSION_TRANSACTED);
            MessageProducer p = tx.createProducer(tx.createQueue("dur.jms.tx"));
            p.setDeliveryMode(DeliveryMode.PERSISTENT);
            MessageConsumer mc = tx.createConsumer(tx.createQueue("dur.jms.tx.src"));
            eq("first receive", "src-1", text(recv(mc, "src-1")));
            p.send(tx.createTextMessage("t-1"));
            p.send(tx.createTextMessage("t-2"));
            tx.commit();
            eq("second receive", "src-2", text(recv(mc, "src-2")));
            p.send(tx.createTextMessage("r-1"));
            tx.rollback();
            Message again = recv(mc, "src-2 again after the rollback");
            eq("receive after the rollback", "src-2", text(again));
            eq("src-2 JMSRedelivered after the rollback", true, again.getJMSRedelivered());
            p.send(tx.createTextMessage("t-3"));
            tx.commit();
            // Left open when the broker goes down.
            eq("third receive", "src-3", text(recv(mc, "src-3")));
            p.send(tx.createTextMessage("u-1"));
        }

        @Override
        public void after(Jms jms) throws Exception {
            Connection c = jms.connect();
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageConsumer mc = s.createConsumer(s.createQueue("dur.jms.tx"));
            List<String> got = Jms.texts(Jms.drain(mc));
            eq("dur.jms.tx after the restart", Arrays.asList("t-1", "t-2", "t-3"), got);
            // src-1 and src-2 went with committed transactions; src-3 was received by the
            // transaction left open, so it comes back redelivered.
            MessageConsumer src = s.createConsumer(s.createQueue("dur.jms.tx.src"));
            List<Message> left = Jms.drain(src);
            eq("dur.jms.tx.src after the restart", Arrays.asList("src-3"), Jms.texts(left));
            eq("src-3 JMSRedelivered", true, left.get(0).getJMSRedelivered());
            eq("src-3 JMSXDeliveryCount", 2, left.get(0).getIntProperty("JMSXDeliveryCount"));
        }
    }
}
