package jmssuite;

import static jmssuite.Ctx.check;
import static jmssuite.Ctx.deliveryCount;
import static jmssuite.Ctx.eq;
import static jmssuite.Ctx.none;
import static jmssuite.Ctx.recv;
import static jmssuite.Ctx.recvText;
import static jmssuite.Ctx.sendTexts;
import static jmssuite.Ctx.text;

import java.util.Map;

import javax.jms.Connection;
import javax.jms.DeliveryMode;
import javax.jms.Message;
import javax.jms.MessageConsumer;
import javax.jms.MessageProducer;
import javax.jms.Queue;
import javax.jms.Session;
import javax.jms.TextMessage;

import org.apache.activemq.ActiveMQConnectionFactory;
import org.apache.activemq.ActiveMQSession;
import org.apache.activemq.command.ActiveMQMessage;

/** Acknowledgement modes, local transactions and the redelivery limit. */
final class AckScenarios {
    private AckScenarios() {}

    static void register(Map<String, Scenario> m) {
        m.put("ack_auto", AckScenarios::auto);
        m.put("ack_dups_ok", AckScenarios::dupsOk);
        m.put("ack_client_recover", AckScenarios::clientRecover);
        m.put("ack_individual", AckScenarios::individual);
        m.put("tx_produce", AckScenarios::txProduce);
        m.put("tx_consume", AckScenarios::txConsume);
        m.put("redelivery_limit_dlq", AckScenarios::redeliveryLimit);
    }

    private static void auto(Ctx c) throws Exception {
        Connection conn = c.connect();
        Session s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Queue q = s.createQueue(c.name(""));
        sendTexts(s, q, "m", 5, DeliveryMode.PERSISTENT);
        MessageConsumer cons = s.createConsumer(q);
        for (int i = 0; i < 3; i++) {
            Message m = recvText(cons, "m" + i, "first consumer");
            eq(false, m.getJMSRedelivered(), "m" + i + " JMSRedelivered");
        }
        cons.close();
        // The rest were at most prefetched, never handed to the application: they come
        // back to the next consumer as first deliveries; the three received ones are gone.
        MessageConsumer next = s.createConsumer(q);
        for (int i = 3; i < 5; i++) {
            Message m = recvText(next, "m" + i, "second consumer");
            eq(false, m.getJMSRedelivered(), "m" + i + " JMSRedelivered (prefetched only)");
        }
        next.close();
        none(s.createConsumer(q), "after everything was auto-acknowledged");
    }

    private static void dupsOk(Ctx c) throws Exception {
        Connection conn = c.connect();
        Session s = conn.createSession(false, Session.DUPS_OK_ACKNOWLEDGE);
        Queue q = s.createQueue(c.name(""));
        sendTexts(s, q, "m", 100, DeliveryMode.PERSISTENT);
        MessageConsumer cons = s.createConsumer(q);
        for (int i = 0; i < 100; i++) {
            recvText(cons, "m" + i, "dups-ok consumer");
        }
        s.close();
        Session s2 = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
        none(s2.createConsumer(q), "after the dups-ok session consumed and closed");
    }

    private static void clientRecover(Ctx c) throws Exception {
        Connection conn = c.connect();
        Session s = conn.createSession(false, Session.CLIENT_ACKNOWLEDGE);
        Queue q = s.createQueue(c.name(""));
        sendTexts(s, q, "m", 5, DeliveryMode.PERSISTENT);
        MessageConsumer cons = s.createConsumer(q);
        for (int i = 0; i < 3; i++) {
            Message m = recvText(cons, "m" + i, "before recover");
            eq(false, m.getJMSRedelivered(), "m" + i + " JMSRedelivered before recover");
            eq(1, deliveryCount(m), "m" + i + " JMSXDeliveryCount before recover");
        }
        s.recover();
        Message last = null;
        for (int i = 0; i < 4; i++) {
            last = recvText(cons, "m" + i, "after recover");
            boolean again = i < 3;
            eq(again, last.getJMSRedelivered(), "m" + i + " JMSRedelivered after recover");
            eq(again ? 2 : 1, deliveryCount(last), "m" + i + " JMSXDeliveryCount after recover");
        }
        // Acknowledging one message acknowledges everything the session consumed so far.
        last.acknowledge();
        recvText(cons, "m4", "unacknowledged last message");
        conn.close();

        Connection conn2 = c.connect();
        Session s2 = conn2.createSession(false, Session.CLIENT_ACKNOWLEDGE);
        MessageConsumer cons2 = s2.createConsumer(q);
        Message m4 = recvText(cons2, "m4", "after the first connection closed");
        eq(true, m4.getJMSRedelivered(), "m4 JMSRedelivered (delivered, never acknowledged)");
        eq(2, deliveryCount(m4), "m4 JMSXDeliveryCount");
        m4.acknowledge();
        none(cons2, "after m4 was acknowledged");
    }

    private static void individual(Ctx c) throws Exception {
        Connection conn = c.connect();
        Session s = conn.createSession(false, ActiveMQSession.INDIVIDUAL_ACKNOWLEDGE);
        Queue q = s.createQueue(c.name(""));
        sendTexts(s, q, "m", 5, DeliveryMode.PERSISTENT);
        MessageConsumer cons = s.createConsumer(q);
        Message[] got = new Message[5];
        for (int i = 0; i < 5; i++) {
            got[i] = recvText(cons, "m" + i, "individual consumer");
        }
        got[1].acknowledge();
        got[3].acknowledge();
        s.close();

        Session s2 = conn.createSession(false, ActiveMQSession.INDIVIDUAL_ACKNOWLEDGE);
        MessageConsumer cons2 = s2.createConsumer(q);
        for (int i : new int[] {0, 2, 4}) {
            Message m = recvText(cons2, "m" + i, "unacknowledged messages, in order");
            eq(true, m.getJMSRedelivered(), "m" + i + " JMSRedelivered");
            m.acknowledge();
        }
        none(cons2, "after the individually acknowledged ones");
    }

    private static void txProduce(Ctx c) throws Exception {
        Connection conn = c.connect();
        Session tx = conn.createSession(true, Session.SESSION_TRANSACTED);
        Session s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Queue q = s.createQueue(c.name(""));
        MessageConsumer cons = s.createConsumer(q);
        MessageProducer p = tx.createProducer(q);
        for (int i = 0; i < 3; i++) {
            p.send(tx.createTextMessage("a" + i));
        }
        none(cons, "before commit");
        tx.commit();
        for (int i = 0; i < 3; i++) {
            recvText(cons, "a" + i, "after commit");
        }
        p.send(tx.createTextMessage("b0"));
        p.send(tx.createTextMessage("b1"));
        tx.rollback();
        none(cons, "after rollback of two sends");
        p.send(tx.createTextMessage("c0"));
        tx.commit();
        recvText(cons, "c0", "the send committed after the rollback");
        none(cons, "after the last commit");
    }

    private static void txConsume(Ctx c) throws Exception {
        Connection conn = c.connect();
        Session tx = conn.createSession(true, Session.SESSION_TRANSACTED);
        Session s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Queue q = s.createQueue(c.name(""));
        sendTexts(s, q, "m", 4, DeliveryMode.PERSISTENT);
        MessageConsumer cons = tx.createConsumer(q);
        recvText(cons, "m0", "first try");
        recvText(cons, "m1", "first try");
        tx.rollback();
        for (int i = 0; i < 2; i++) {
            Message m = recvText(cons, "m" + i, "after rollback");
            eq(true, m.getJMSRedelivered(), "m" + i + " JMSRedelivered after rollback");
            eq(2, deliveryCount(m), "m" + i + " JMSXDeliveryCount after rollback");
        }
        Message m2 = recvText(cons, "m2", "after rollback");
        eq(false, m2.getJMSRedelivered(), "m2 JMSRedelivered (never rolled back)");
        tx.commit();
        cons.close();
        MessageConsumer rest = s.createConsumer(q);
        recvText(rest, "m3", "the message the transaction did not consume");
        none(rest, "after the committed consumption");
    }

    private static void redeliveryLimit(Ctx c) throws Exception {
        ActiveMQConnectionFactory f = c.factory();
        f.getRedeliveryPolicy().setMaximumRedeliveries(2);
        Connection conn = c.start(f.createConnection());
        Session tx = conn.createSession(true, Session.SESSION_TRANSACTED);
        Session s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Queue q = s.createQueue(c.name(""));
        MessageProducer p = s.createProducer(q);
        TextMessage poison = s.createTextMessage("poison");
        poison.setStringProperty("suiteTag", c.tag() + "-p");
        p.send(poison, DeliveryMode.PERSISTENT, 4, 0);
        TextMessage transient_ = s.createTextMessage("poison-np");
        transient_.setStringProperty("suiteTag", c.tag() + "-np");
        p.send(transient_, DeliveryMode.NON_PERSISTENT, 4, 0);

        MessageConsumer cons = tx.createConsumer(q);
        for (String body : new String[] {"poison", "poison-np"}) {
            // One delivery plus maximumRedeliveries redeliveries, then it is poison.
            for (int i = 1; i <= 3; i++) {
                Message m = recvText(cons, body, body + " delivery " + i);
                eq(i, deliveryCount(m), body + " JMSXDeliveryCount");
                eq(i > 1, m.getJMSRedelivered(), body + " JMSRedelivered");
                tx.rollback();
            }
        }
        none(cons, "after both messages exceeded the redelivery limit");
        tx.commit();

        Queue dlq = s.createQueue("ActiveMQ.DLQ");
        MessageConsumer dead = s.createConsumer(dlq, "suiteTag = '" + c.tag() + "-p'");
        Message m = recvText(dead, "poison", "persistent poison message on ActiveMQ.DLQ");
        eq(poison.getJMSMessageID(), m.getJMSMessageID(), "DLQ copy JMSMessageID");
        Object cause = m.getObjectProperty("dlqDeliveryFailureCause");
        check(cause instanceof String && !((String) cause).isEmpty(),
                "DLQ copy property dlqDeliveryFailureCause: want the poison cause, got %s", Ctx.show(cause));
        c.info("dlqDeliveryFailureCause = %s", cause);
        eq(q, ((ActiveMQMessage) m).getOriginalDestination(), "DLQ copy original destination");
        none(dead, "a second copy on the DLQ");
        // ActiveMQ's default dead-letter strategy does not keep non-persistent messages.
        none(s.createConsumer(dlq, "suiteTag = '" + c.tag() + "-np'"), "non-persistent poison message on the DLQ");
    }
}
