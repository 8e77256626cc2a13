package jmssuite;

import static jmssuite.Ctx.check;
import static jmssuite.Ctx.eq;
import static jmssuite.Ctx.none;
import static jmssuite.Ctx.recv;
import static jmssuite.Ctx.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import javax.jms.BytesMessage;
import javax.jms.Connection;
import javax.jms.DeliveryMode;
import javax.jms.MapMessage;
import javax.jms.Message;
import javax.jms.MessageConsumer;
import javax.jms.MessageEOFException;
import javax.jms.MessageProducer;
import javax.jms.ObjectMessage;
import javax.jms.Queue;
import javax.jms.Session;
import javax.jms.StreamMessage;
import javax.jms.TemporaryQueue;
import javax.jms.TextMessage;
import javax.jms.Topic;

import org.apache.activemq.ActiveMQConnectionFactory;

/** Message bodies, properties and headers survive the trip through the broker. */
final class MessageScenarios {
    private MessageScenarios() {}

    static void register(Map<String, Scenario> m) {
        m.put("message_types", MessageScenarios::messageTypes);
        m.put("headers", MessageScenarios::headers);
        m.put("fifo_1000", MessageScenarios::fifo);
        m.put("large_message_5mb", MessageScenarios::large);
    }

    static final String UNICODE = "h\u00e9llo \u2603 \ud834\udd1e \u4e2d\u6587";
    /**
     * Without characters outside the BMP: the 5.17 client writes property strings as
     * modified UTF-8 but reads them as standard UTF-8, so a surrogate pair does not
     * survive even against ActiveMQ; the same holds for MapMessage strings.
     */
    static final String UNICODE_BMP = "h\u00e9llo \u2603 \u4e2d\u6587";
    static final byte[] SMALL_BYTES = {0, 1, -1, 127, -128};

    /** Every JMS property type, with values at the edges of their ranges. */
    static Map<String, Object> properties() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("pTrue", Boolean.TRUE);
        p.put("pFalse", Boolean.FALSE);
        p.put("pByte", Byte.MIN_VALUE);
        p.put("pShort", Short.MAX_VALUE);
        p.put("pInt", Integer.MIN_VALUE);
        p.put("pLong", Long.MAX_VALUE);
        p.put("pFloat", 3.25f);
        p.put("pDouble", -1.5e300);
        p.put("pNaN", Double.NaN);
        p.put("pString", UNICODE_BMP);
        p.put("pEmpty", "");
        // Longer than 8191 chars: OpenWire switches to its "big string" encoding.
        p.put("pBigString", "x".repeat(10000));
        return p;
    }

    static void setProperties(Message m) throws Exception {
        for (Map.Entry<String, Object> e : properties().entrySet()) {
            Object v = e.getValue();
            String k = e.getKey();
            // Use the typed setters (what applications call), and setObjectProperty for one.
            if (v instanceof Boolean) {
                m.setBooleanProperty(k, (Boolean) v);
            } else if (v instanceof Byte) {
                m.setByteProperty(k, (Byte) v);
            } else if (v instanceof Short) {
                m.setShortProperty(k, (Short) v);
            } else if (v instanceof Integer) {
                m.setIntProperty(k, (Integer) v);
            } else if (v instanceof Long) {
                m.setLongProperty(k, (Long) v);
            } else if (v instanceof Float) {
                m.setFloatProperty(k, (Float) v);
            } else if (k.equals("pNaN")) {
                m.setObjectProperty(k, v);
            } else if (v instanceof Double) {
                m.setDoubleProperty(k, (Double) v);
            } else {
                m.setStringProperty(k, (String) v);
            }
        }
    }

    static void checkProperties(Message m, String kind) throws Exception {
        Set<String> names = new HashSet<>();
        for (Enumeration<?> e = m.getPropertyNames(); e.hasMoreElements(); ) {
            names.add((String) e.nextElement());
        }
        for (Map.Entry<String, Object> e : properties().entrySet()) {
            check(names.contains(e.getKey()), "%s: property %s missing from getPropertyNames %s", kind, e.getKey(), names);
            Object got = m.getObjectProperty(e.getKey());
            eq(e.getValue(), got, kind + " property " + e.getKey());
        }
    }

    private static void messageTypes(Ctx c) throws Exception {
        ActiveMQConnectionFactory f = c.factory();
        // 5.17 deserializes ObjectMessage bodies only from trusted packages (java.lang by default).
        f.setTrustedPackages(List.of("java.lang", "java.util"));
        Connection conn = c.start(f.createConnection());
        Session s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Queue q = s.createQueue(c.name(""));
        MessageProducer p = s.createProducer(q);
        MessageConsumer cons = s.createConsumer(q);

        List<Message> out = new ArrayList<>();
        out.add(s.createTextMessage(UNICODE));
        out.add(s.createTextMessage(""));
        out.add(s.createTextMessage(null));

        BytesMessage b = s.createBytesMessage();
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) i;
        }
        b.writeBytes(all);
        b.writeBoolean(true);
        b.writeByte((byte) -7);
        b.writeShort((short) -30000);
        b.writeChar('\u20ac');
        b.writeInt(123456789);
        b.writeLong(-9876543210L);
        b.writeFloat(-0.5f);
        b.writeDouble(Math.PI);
        b.writeUTF(UNICODE);
        out.add(b);

        MapMessage mm = s.createMapMessage();
        mm.setBoolean("bool", true);
        mm.setByte("byte", (byte) 8);
        mm.setShort("short", (short) -2);
        mm.setChar("char", '\u20ac');
        mm.setInt("int", Integer.MAX_VALUE);
        mm.setLong("long", Long.MIN_VALUE);
        mm.setFloat("float", 1.5f);
        mm.setDouble("double", 2.5e-300);
        mm.setString("string", UNICODE_BMP);
        mm.setString("empty", "");
        mm.setString("nullString", null);
        mm.setBytes("bytes", SMALL_BYTES);
        out.add(mm);

        StreamMessage sm = s.createStreamMessage();
        sm.writeBoolean(false);
        sm.writeByte((byte) 9);
        sm.writeShort((short) 300);
        sm.writeChar('z');
        sm.writeInt(-1);
        sm.writeLong(1L << 40);
        sm.writeFloat(0.25f);
        sm.writeDouble(-2.0);
        sm.writeString(UNICODE);
        sm.writeBytes(SMALL_BYTES);
        sm.writeString(null);
        out.add(sm);

        HashMap<String, Object> obj = new HashMap<>();
        obj.put("list", new ArrayList<>(List.of(1, "two", 3.0)));
        obj.put("n", 7L);
        obj.put("s", UNICODE);
        ObjectMessage om = s.createObjectMessage(obj);
        out.add(om);

        out.add(s.createMessage());

        for (int i = 0; i < out.size(); i++) {
            Message m = out.get(i);
            setProperties(m);
            m.setIntProperty("idx", i);
            p.send(m);
        }
        for (int i = 0; i < out.size(); i++) {
            Message m = recv(cons, "message " + i);
            eq(i, m.getIntProperty("idx"), "message order");
            String kind = out.get(i).getClass().getSimpleName() + "#" + i;
            checkProperties(m, kind);
            switch (i) {
                case 0:
                    eq(UNICODE, text(m), kind + " text");
                    break;
                case 1:
                    eq("", text(m), kind + " empty text");
                    break;
                case 2:
                    eq(null, text(m), kind + " null text");
                    break;
                case 3:
                    checkBytes(m, all);
                    break;
                case 4:
                    checkMap(m);
                    break;
                case 5:
                    checkStream(m);
                    break;
                case 6:
                    check(m instanceof ObjectMessage, "want ObjectMessage, got %s", m.getClass().getName());
                    eq(obj, ((ObjectMessage) m).getObject(), "object body");
                    break;
                default:
                    check(!(m instanceof TextMessage || m instanceof BytesMessage || m instanceof MapMessage
                            || m instanceof StreamMessage || m instanceof ObjectMessage),
                            "plain Message came back as %s", m.getClass().getName());
            }
        }
        none(cons, "after all types");
    }

    private static void checkBytes(Message m, byte[] all) throws Exception {
        check(m instanceof BytesMessage, "want BytesMessage, got %s", m.getClass().getName());
        BytesMessage b = (BytesMessage) m;
        long want = 256 + 1 + 1 + 2 + 2 + 4 + 8 + 4 + 8 + 2 + modifiedUtf8Length(UNICODE);
        eq(want, b.getBodyLength(), "bytes body length");
        byte[] got = new byte[256];
        eq(256, b.readBytes(got), "leading byte run length");
        check(Arrays.equals(all, got), "byte values 0..255 changed: %s", Arrays.toString(got));
        eq(true, b.readBoolean(), "readBoolean");
        eq((byte) -7, b.readByte(), "readByte");
        eq((short) -30000, b.readShort(), "readShort");
        eq('\u20ac', b.readChar(), "readChar");
        eq(123456789, b.readInt(), "readInt");
        eq(-9876543210L, b.readLong(), "readLong");
        eq(-0.5f, b.readFloat(), "readFloat");
        eq(Math.PI, b.readDouble(), "readDouble");
        eq(UNICODE, b.readUTF(), "readUTF");
        eq(-1, b.readBytes(new byte[1]), "readBytes at end");
    }

    /** The length of writeUTF's encoding (Java's modified UTF-8) without its 2-byte prefix. */
    static int modifiedUtf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            n += ch >= 1 && ch <= 0x7f ? 1 : ch <= 0x7ff ? 2 : 3;
        }
        return n;
    }

    private static void checkMap(Message m) throws Exception {
        check(m instanceof MapMessage, "want MapMessage, got %s", m.getClass().getName());
        MapMessage mm = (MapMessage) m;
        Set<String> names = new HashSet<>(Collections.list(castNames(mm.getMapNames())));
        eq(new HashSet<>(List.of("bool", "byte", "short", "char", "int", "long", "float", "double", "string", "empty",
                "nullString", "bytes")), names, "map names");
        eq(Boolean.TRUE, mm.getObject("bool"), "map bool");
        eq((byte) 8, mm.getObject("byte"), "map byte");
        eq((short) -2, mm.getObject("short"), "map short");
        eq('\u20ac', mm.getObject("char"), "map char");
        eq(Integer.MAX_VALUE, mm.getObject("int"), "map int");
        eq(Long.MIN_VALUE, mm.getObject("long"), "map long");
        eq(1.5f, mm.getObject("float"), "map float");
        eq(2.5e-300, mm.getObject("double"), "map double");
        eq(UNICODE_BMP, mm.getObject("string"), "map string");
        eq("", mm.getObject("empty"), "map empty string");
        check(mm.itemExists("nullString"), "map lost the null entry");
        eq(null, mm.getObject("nullString"), "map null string");
        check(Arrays.equals(SMALL_BYTES, mm.getBytes("bytes")), "map bytes: %s", Arrays.toString(mm.getBytes("bytes")));
    }

    @SuppressWarnings("unchecked")
    private static Enumeration<String> castNames(Enumeration<?> e) {
        return (Enumeration<String>) e;
    }

    private static void checkStream(Message m) throws Exception {
        check(m instanceof StreamMessage, "want StreamMessage, got %s", m.getClass().getName());
        StreamMessage sm = (StreamMessage) m;
        eq(Boolean.FALSE, sm.readObject(), "stream boolean");
        eq((byte) 9, sm.readObject(), "stream byte");
        eq((short) 300, sm.readObject(), "stream short");
        eq('z', sm.readObject(), "stream char");
        eq(-1, sm.readObject(), "stream int");
        eq(1L << 40, sm.readObject(), "stream long");
        eq(0.25f, sm.readObject(), "stream float");
        eq(-2.0, sm.readObject(), "stream double");
        eq(UNICODE, sm.readObject(), "stream string");
        Object bytes = sm.readObject();
        check(bytes instanceof byte[] && Arrays.equals(SMALL_BYTES, (byte[]) bytes), "stream bytes: %s", bytes);
        eq(null, sm.readObject(), "stream null string");
        try {
            Object extra = sm.readObject();
            throw new AssertionError("stream has an extra element " + extra);
        } catch (MessageEOFException expected) {
            // the end of the stream is where the sender stopped
        }
    }

    private static void headers(Ctx c) throws Exception {
        Connection conn = c.connect();
        Session s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Queue q = s.createQueue(c.name(""));
        Queue replyQ = s.createQueue(c.name("reply"));
        Topic replyT = s.createTopic(c.name("replytopic"));
        TemporaryQueue tmp = s.createTemporaryQueue();
        MessageProducer p = s.createProducer(q);
        MessageConsumer cons = s.createConsumer(q);
        Set<String> ids = new HashSet<>();

        // One at a time: the three priorities differ, so a broker may reorder queued ones.
        TextMessage m1 = s.createTextMessage("h1");
        m1.setJMSCorrelationID("corr-123");
        m1.setJMSType("order.created");
        m1.setJMSReplyTo(replyQ);
        long before = System.currentTimeMillis();
        p.send(m1, DeliveryMode.PERSISTENT, 7, 60000);
        long after = System.currentTimeMillis();
        Message r1 = recv(cons, "h1");
        eq("h1", text(r1), "h1 body");
        eq(m1.getJMSMessageID(), r1.getJMSMessageID(), "JMSMessageID");
        check(r1.getJMSMessageID().startsWith("ID:"), "JMSMessageID %s lacks the ID: prefix", r1.getJMSMessageID());
        ids.add(r1.getJMSMessageID());
        eq("corr-123", r1.getJMSCorrelationID(), "JMSCorrelationID");
        eq("order.created", r1.getJMSType(), "JMSType");
        eq(replyQ, r1.getJMSReplyTo(), "JMSReplyTo (queue)");
        eq(7, r1.getJMSPriority(), "JMSPriority");
        eq(DeliveryMode.PERSISTENT, r1.getJMSDeliveryMode(), "JMSDeliveryMode");
        check(r1.getJMSTimestamp() >= before && r1.getJMSTimestamp() <= after,
                "JMSTimestamp %d outside the send call [%d, %d]", r1.getJMSTimestamp(), before, after);
        eq(r1.getJMSTimestamp() + 60000, r1.getJMSExpiration(), "JMSExpiration = JMSTimestamp + time to live");
        eq(q, r1.getJMSDestination(), "JMSDestination");
        eq(false, r1.getJMSRedelivered(), "JMSRedelivered");
        eq(1, Ctx.deliveryCount(r1), "JMSXDeliveryCount");

        TextMessage m2 = s.createTextMessage("h2");
        m2.setJMSReplyTo(replyT);
        p.send(m2, DeliveryMode.NON_PERSISTENT, 0, 0);
        Message r2 = recv(cons, "h2");
        eq("h2", text(r2), "h2 body");
        eq(m2.getJMSMessageID(), r2.getJMSMessageID(), "h2 JMSMessageID");
        check(ids.add(r2.getJMSMessageID()), "JMSMessageID %s repeated", r2.getJMSMessageID());
        eq(replyT, r2.getJMSReplyTo(), "JMSReplyTo (topic)");
        eq(0, r2.getJMSPriority(), "h2 JMSPriority");
        eq(DeliveryMode.NON_PERSISTENT, r2.getJMSDeliveryMode(), "h2 JMSDeliveryMode");
        eq(0L, r2.getJMSExpiration(), "h2 JMSExpiration (no time to live)");
        eq(null, r2.getJMSCorrelationID(), "h2 JMSCorrelationID");
        eq(null, r2.getJMSType(), "h2 JMSType");

        TextMessage m3 = s.createTextMessage("h3");
        m3.setJMSReplyTo(tmp);
        p.send(m3);
        Message r3 = recv(cons, "h3");
        eq("h3", text(r3), "h3 body");
        check(ids.add(r3.getJMSMessageID()), "JMSMessageID %s repeated", r3.getJMSMessageID());
        check(r3.getJMSReplyTo() instanceof TemporaryQueue, "JMSReplyTo of a temporary queue came back as %s",
                Ctx.show(r3.getJMSReplyTo()));
        eq(tmp.getQueueName(), ((TemporaryQueue) r3.getJMSReplyTo()).getQueueName(), "JMSReplyTo (temporary queue)");
        eq(Message.DEFAULT_PRIORITY, r3.getJMSPriority(), "default JMSPriority");
        eq(DeliveryMode.PERSISTENT, r3.getJMSDeliveryMode(), "default JMSDeliveryMode");
        eq(0L, r3.getJMSExpiration(), "default JMSExpiration");
        none(cons, "after three messages");
    }

    private static void fifo(Ctx c) throws Exception {
        Connection conn = c.connect();
        Session s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Queue q = s.createQueue(c.name(""));
        MessageProducer p = s.createProducer(q);
        p.setDeliveryMode(DeliveryMode.NON_PERSISTENT);
        for (int i = 0; i < 1000; i++) {
            TextMessage m = s.createTextMessage("m" + i);
            m.setIntProperty("seq", i);
            p.send(m);
        }
        // The consumer comes after the last send, so the order is the broker's queue order.
        MessageConsumer cons = s.createConsumer(q);
        for (int i = 0; i < 1000; i++) {
            Message m = recv(cons, "message " + i);
            eq(i, m.getIntProperty("seq"), "sequence number at position " + i);
            eq("m" + i, text(m), "body at position " + i);
        }
        none(cons, "after 1000 messages");
    }

    private static void large(Ctx c) throws Exception {
        Connection conn = c.connect();
        Session s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Queue q = s.createQueue(c.name(""));
        MessageProducer p = s.createProducer(q);
        byte[] body = new byte[5 * 1024 * 1024];
        new Random(42).nextBytes(body);
        BytesMessage b = s.createBytesMessage();
        b.writeBytes(body);
        p.send(b);
        char[] chars = new char[5 * 1024 * 1024];
        for (int i = 0; i < chars.length; i++) {
            chars[i] = (char) ('a' + i % 26);
        }
        String text = new String(chars);
        p.send(s.createTextMessage(text));

        MessageConsumer cons = s.createConsumer(q);
        Message m = recv(cons, "5 MB bytes message");
        check(m instanceof BytesMessage, "want BytesMessage, got %s", m.getClass().getName());
        BytesMessage got = (BytesMessage) m;
        eq((long) body.length, got.getBodyLength(), "body length");
        byte[] gb = new byte[body.length];
        eq(body.length, got.readBytes(gb), "bytes read");
        check(Arrays.equals(body, gb), "5 MB body changed");
        Message t = recv(cons, "5 MB text message");
        String gt = text(t);
        eq(text.length(), gt.length(), "text length");
        check(text.equals(gt), "5 MB text changed");
        none(cons, "after the two large messages");
    }
}
