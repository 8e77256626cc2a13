import java.net.URL;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.jms.BytesMessage;
import javax.jms.Connection;
import javax.jms.DeliveryMode;
import javax.jms.JMSException;
import javax.jms.MapMessage;
import javax.jms.Message;
import javax.jms.MessageConsumer;
import javax.jms.MessageProducer;
import javax.jms.Queue;
import javax.jms.QueueBrowser;
import javax.jms.Session;
import javax.jms.StreamMessage;
import javax.jms.TemporaryQueue;
import javax.jms.TemporaryTopic;
import javax.jms.TextMessage;
import javax.jms.Topic;
import javax.jms.TopicSubscriber;
import javax.jms.XAConnection;
import javax.jms.XASession;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

import org.apache.activemq.ActiveMQConnectionFactory;
import org.apache.activemq.ActiveMQSession;
import org.apache.activemq.ActiveMQXAConnectionFactory;

/** The JMS scenarios whose wire traffic is captured. */
final class Scenarios {
    private Scenarios() {}

    static void run(String name, String uri, String tag) throws Exception {
        switch (name) {
            case "basic": basic(uri, tag); break;
            case "durable": durable(uri, tag); break;
            case "temp": temp(uri, tag); break;
            case "tx": tx(uri, tag); break;
            case "xa": xa(uri, tag); break;
            case "browser": browser(uri, tag); break;
            case "ackmodes": ackModes(uri, tag); break;
            case "pull": pull(uri, tag); break;
            case "window": window(uri, tag); break;
            case "errors": errors(uri, tag); break;
            case "compression": compression(uri, tag); break;
            case "blob": blob(uri, tag); break;
            case "keepalive": keepAlive(uri, tag); break;
            default: throw new IllegalArgumentException(name);
        }
    }

    static String with(String uri, String opts) {
        return uri + (uri.contains("?") ? "&" : "?") + opts;
    }

    static Connection connect(String uri, String clientID) throws JMSException {
        ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory(uri);
        Connection c = cf.createConnection();
        if (clientID != null) {
            c.setClientID(clientID);
        }
        c.start();
        return c;
    }

    static Message expect(MessageConsumer c) throws JMSException {
        Message m = c.receive(5000);
        if (m == null) {
            throw new IllegalStateException("no message within 5 s");
        }
        return m;
    }

    /** Properties of every JMS property type (and the header fields). */
    static void decorate(Message m) throws JMSException {
        m.setBooleanProperty("bool", true);
        m.setByteProperty("byte", (byte) -7);
        m.setShortProperty("short", (short) 1234);
        m.setIntProperty("int", 123456);
        m.setLongProperty("long", 1234567890123L);
        m.setFloatProperty("float", 1.5f);
        m.setDoubleProperty("double", -2.25);
        m.setStringProperty("string", "v\u00e9\u0000\ud83d\ude00");
        m.setObjectProperty("map", new HashMap<>(Map.of("k", 1)));
        m.setObjectProperty("list", new ArrayList<>(Arrays.asList("a", 2L)));
        m.setJMSCorrelationID("corr-1");
        m.setJMSType("type-1");
    }

    /** Connect, produce every message type, consume with and without a selector. */
    static void basic(String uri, String tag) throws Exception {
        Connection c = connect(uri, tag + "-client");
        Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Queue selected = s.createQueue(tag + ".selected");
        Queue all = s.createQueue(tag + ".all");
        MessageConsumer red = s.createConsumer(selected, "color = 'red' AND weight > 2");
        MessageConsumer any = s.createConsumer(all);
        MessageProducer p = s.createProducer(null);

        TextMessage t = s.createTextMessage("hello \u00e9\u0000\ud83d\ude00");
        decorate(t);
        t.setStringProperty("color", "red");
        t.setIntProperty("weight", 3);
        p.send(selected, t);
        expect(red);

        p.send(all, s.createMessage());
        BytesMessage b = s.createBytesMessage();
        b.writeBytes(new byte[] {1, 2, 3, 0, (byte) 255});
        b.writeUTF("utf");
        p.send(all, b);
        MapMessage m = s.createMapMessage();
        m.setBoolean("z", true);
        m.setByte("b", (byte) 1);
        m.setChar("c", '\u00e9');
        m.setShort("s", (short) -2);
        m.setInt("i", 3);
        m.setLong("l", 4L);
        m.setFloat("f", 1.0f);
        m.setDouble("d", 1.0);
        m.setString("t", "text");
        m.setBytes("y", new byte[] {9, 8});
        m.setObject("n", new HashMap<>(Map.of("inner", "x")));
        m.setObject("o", new ArrayList<>(Arrays.asList(1, "two")));
        p.send(all, m);
        StreamMessage st = s.createStreamMessage();
        st.writeInt(1);
        st.writeString("s");
        st.writeBoolean(true);
        st.writeChar('c');
        st.writeDouble(2.5);
        st.writeBytes(new byte[] {7});
        st.writeObject(null);
        p.send(all, st);
        p.send(all, s.createObjectMessage("serialized string"));
        TextMessage np = s.createTextMessage(null);
        p.send(all, np, DeliveryMode.NON_PERSISTENT, 9, 60000);
        for (int i = 0; i < 6; i++) {
            expect(any);
        }
        c.close();
    }

    /** Durable subscriber with selector and noLocal, publish, close, unsubscribe. */
    static void durable(String uri, String tag) throws Exception {
        Connection c = connect(uri, tag + "-durable");
        Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Topic topic = s.createTopic(tag + ".topic");
        TopicSubscriber sub = s.createDurableSubscriber(topic, "sub1", "n > 0", true);
        Connection pubc = connect(uri, null);
        Session ps = pubc.createSession(false, Session.AUTO_ACKNOWLEDGE);
        MessageProducer p = ps.createProducer(topic);
        Message msg = ps.createTextMessage("durable");
        msg.setIntProperty("n", 1);
        p.send(msg);
        expect(sub);
        sub.close();
        p.send(msg);
        s.unsubscribe("sub1");
        pubc.close();
        c.close();
    }

    /** Request/reply over a temporary queue, a temporary topic, deletes. */
    static void temp(String uri, String tag) throws Exception {
        Connection requester = connect(uri, null);
        Connection replier = connect(uri, null);
        Session rs = requester.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Session ps = replier.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Queue requests = rs.createQueue(tag + ".requests");
        TemporaryQueue replyTo = rs.createTemporaryQueue();
        TemporaryTopic tt = rs.createTemporaryTopic();
        MessageConsumer replies = rs.createConsumer(replyTo);
        MessageConsumer serve = ps.createConsumer(requests);
        TextMessage req = rs.createTextMessage("ping");
        req.setJMSReplyTo(replyTo);
        rs.createProducer(requests).send(req);
        Message got = expect(serve);
        Thread.sleep(200); // let the temp-queue advisory reach the replier
        ps.createProducer(null).send(got.getJMSReplyTo(), ps.createTextMessage("pong"));
        expect(replies);
        replies.close();
        replyTo.delete();
        tt.delete();
        replier.close();
        requester.close();
    }

    /** Local transactions: commit a send, roll back a receive, receive again. */
    static void tx(String uri, String tag) throws Exception {
        Connection c = connect(uri, null);
        Session s = c.createSession(true, Session.SESSION_TRANSACTED);
        Queue q = s.createQueue(tag + ".tx");
        MessageProducer p = s.createProducer(q);
        p.send(s.createTextMessage("one"));
        p.send(s.createTextMessage("two"));
        s.commit();
        MessageConsumer cons = s.createConsumer(q);
        expect(cons);
        s.rollback();
        expect(cons);
        expect(cons);
        s.commit();
        c.close();
    }

    static final class TestXid implements Xid {
        final byte[] gtid, bq;

        TestXid(int n) {
            gtid = new byte[] {'g', (byte) n, 0, (byte) 200};
            bq = new byte[] {'b', (byte) n};
        }

        public int getFormatId() {
            return 0x4a4d53;
        }

        public byte[] getGlobalTransactionId() {
            return gtid;
        }

        public byte[] getBranchQualifier() {
            return bq;
        }
    }

    /** XA: two-phase commit, recover, rollback of a prepared branch, one-phase commit. */
    static void xa(String uri, String tag) throws Exception {
        ActiveMQXAConnectionFactory cf = new ActiveMQXAConnectionFactory(uri);
        XAConnection c = cf.createXAConnection();
        c.start();
        XASession s = c.createXASession();
        XAResource xr = s.getXAResource();
        Queue q = s.createQueue(tag + ".xa");
        MessageProducer p = s.getSession().createProducer(q);

        Xid x1 = new TestXid(1);
        xr.start(x1, XAResource.TMNOFLAGS);
        p.send(s.createTextMessage("xa-1"));
        xr.end(x1, XAResource.TMSUCCESS);
        xr.prepare(x1);
        xr.commit(x1, false);

        Xid x2 = new TestXid(2);
        xr.start(x2, XAResource.TMNOFLAGS);
        p.send(s.createTextMessage("xa-2"));
        xr.end(x2, XAResource.TMSUCCESS);
        xr.prepare(x2);
        Xid[] prepared = xr.recover(XAResource.TMSTARTRSCAN);
        if (prepared.length != 1) {
            throw new IllegalStateException("recover returned " + prepared.length + " xids");
        }
        xr.rollback(x2);

        Xid x3 = new TestXid(3);
        xr.start(x3, XAResource.TMNOFLAGS);
        MessageConsumer cons = s.getSession().createConsumer(q);
        expect(cons);
        xr.end(x3, XAResource.TMSUCCESS);
        xr.commit(x3, true);
        c.close();
    }

    /** Queue browser over three messages. */
    static void browser(String uri, String tag) throws Exception {
        Connection c = connect(uri, null);
        Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Queue q = s.createQueue(tag + ".browse");
        MessageProducer p = s.createProducer(q);
        for (int i = 0; i < 3; i++) {
            p.send(s.createTextMessage("b" + i));
        }
        QueueBrowser b = s.createBrowser(q);
        int n = 0;
        for (Enumeration<?> e = b.getEnumeration(); e.hasMoreElements(); e.nextElement()) {
            n++;
        }
        if (n != 3) {
            throw new IllegalStateException("browsed " + n);
        }
        b.close();
        c.close();
    }

    /** Client, dups-ok and individual acknowledgement. */
    static void ackModes(String uri, String tag) throws Exception {
        Connection c = connect(uri, null);
        int[] modes = {Session.CLIENT_ACKNOWLEDGE, Session.DUPS_OK_ACKNOWLEDGE, ActiveMQSession.INDIVIDUAL_ACKNOWLEDGE};
        for (int mode : modes) {
            Session s = c.createSession(false, mode);
            Queue q = s.createQueue(tag + ".ack" + mode);
            MessageProducer p = s.createProducer(q);
            for (int i = 0; i < 3; i++) {
                p.send(s.createTextMessage("a" + i));
            }
            MessageConsumer cons = s.createConsumer(q);
            List<Message> got = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                got.add(expect(cons));
            }
            if (mode != Session.DUPS_OK_ACKNOWLEDGE) {
                got.get(1).acknowledge();
            }
            s.close();
        }
        c.close();
    }

    /** Prefetch 0: MessagePull with receiveNoWait and receive(timeout). */
    static void pull(String uri, String tag) throws Exception {
        Connection c = connect(with(uri, "jms.prefetchPolicy.all=0"), null);
        Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Queue q = s.createQueue(tag + ".pull");
        MessageConsumer cons = s.createConsumer(q);
        if (cons.receiveNoWait() != null) {
            throw new IllegalStateException("empty queue gave a message");
        }
        s.createProducer(q).send(s.createTextMessage("pulled"));
        expect(cons);
        if (cons.receive(200) != null) {
            throw new IllegalStateException("second receive gave a message");
        }
        c.close();
    }

    /** Producer window: asynchronous non-persistent sends answered by ProducerAck. */
    static void window(String uri, String tag) throws Exception {
        Connection c = connect(with(uri, "jms.producerWindowSize=2048"), null);
        Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Queue q = s.createQueue(tag + ".window");
        MessageProducer p = s.createProducer(q);
        p.setDeliveryMode(DeliveryMode.NON_PERSISTENT);
        for (int i = 0; i < 4; i++) {
            p.send(s.createTextMessage("w" + i));
        }
        MessageConsumer cons = s.createConsumer(q);
        for (int i = 0; i < 4; i++) {
            expect(cons);
        }
        c.close();
    }

    /** ExceptionResponses: duplicate client ID, unsubscribing an active durable subscriber. */
    static void errors(String uri, String tag) throws Exception {
        Connection first = connect(uri, tag + "-dup");
        Connection dup = new ActiveMQConnectionFactory(uri).createConnection();
        try {
            dup.setClientID(tag + "-dup");
            dup.start();
            throw new IllegalStateException("duplicate client ID accepted");
        } catch (JMSException expected) {
            // InvalidClientIDException from an ExceptionResponse
        } finally {
            dup.close();
        }
        Session s = first.createSession(false, Session.AUTO_ACKNOWLEDGE);
        TopicSubscriber sub = s.createDurableSubscriber(s.createTopic(tag + ".errtopic"), "busy");
        try {
            s.unsubscribe("busy");
            throw new IllegalStateException("unsubscribed an active subscriber");
        } catch (JMSException expected) {
            // "Durable consumer is in use"
        }
        sub.close();
        s.unsubscribe("busy");
        first.close();
    }

    /** useCompression: compressed text, bytes and map bodies. */
    static void compression(String uri, String tag) throws Exception {
        Connection c = connect(with(uri, "jms.useCompression=true"), null);
        Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Queue q = s.createQueue(tag + ".zip");
        MessageProducer p = s.createProducer(q);
        p.send(s.createTextMessage("hello hello hello hello hello"));
        BytesMessage b = s.createBytesMessage();
        b.writeBytes("compressible compressible compressible".getBytes("UTF-8"));
        p.send(b);
        MapMessage m = s.createMapMessage();
        m.setString("k", "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv");
        p.send(m);
        MessageConsumer cons = s.createConsumer(q);
        for (int i = 0; i < 3; i++) {
            expect(cons);
        }
        c.close();
    }

    /** A BlobMessage that refers to a URL (no upload). */
    static void blob(String uri, String tag) throws Exception {
        Connection c = connect(uri, null);
        ActiveMQSession s = (ActiveMQSession) c.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Queue q = s.createQueue(tag + ".blob");
        s.createProducer(q).send(s.createBlobMessage(new URL("http://example.invalid/blob")));
        expect(s.createConsumer(q));
        c.close();
    }

    /** A short inactivity timeout so that both ends exchange KeepAliveInfo. */
    static void keepAlive(String uri, String tag) throws Exception {
        Connection c = connect(with(uri, "wireFormat.maxInactivityDuration=900&wireFormat.maxInactivityDurationInitalDelay=100"), null);
        Thread.sleep(1500);
        c.close();
    }
}
