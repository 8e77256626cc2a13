package jmssuite;

import static jmssuite.Ctx.check;
import static jmssuite.Ctx.eq;
import static jmssuite.Ctx.none;
import static jmssuite.Ctx.recv;
import static jmssuite.Ctx.recvText;
import static jmssuite.Ctx.sendTexts;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import javax.jms.BytesMessage;
import javax.jms.Connection;
import javax.jms.DeliveryMode;
import javax.jms.Message;
import javax.jms.MessageConsumer;
import javax.jms.MessageProducer;
import javax.jms.Queue;
import javax.jms.Session;
import javax.jms.TextMessage;

import org.apache.activemq.ActiveMQConnectionFactory;
import org.apache.activemq.command.ActiveMQMessage;

/** Which consumer gets which message, when: competing consumers, expiry, priority, groups, prefetch, exclusivity, flow control. */
final class DeliveryScenarios {
    private DeliveryScenarios() {}

    static void register(Map<String, Scenario> m) {
        m.put("competing_consumers", DeliveryScenarios::competing);
        m.put("expiration", DeliveryScenarios::expiration);
        m.put("priority", DeliveryScenarios::priority);
        m.put("message_groups", DeliveryScenarios::groups);
        m.put("prefetch_0", DeliveryScenarios::prefetch0);
        m.put("prefetch_1", DeliveryScenarios::prefetch1);
        m.put("exclusive_consumer", DeliveryScenarios::exclusive);
        m.put("producer_flow_control", DeliveryScenarios::flowControl);
    }

    /** Collects the seq property of what a listener receives. */
    private static final class Collector {
        final List<Integer> seqs = Collections.synchronizedList(new ArrayList<>());
        final List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());

        void attach(MessageConsumer cons, CountDownLatch each) throws Exception {
            cons.setMessageListener(m -> {
                try {
                    seqs.add(m.getIntProperty("seq"));
                } catch (Throwable e) {
                    errors.add(e);
                }
                each.countDown();
            });
        }

        List<Integer> snapshot() {
            synchronized (seqs) {
                return new ArrayList<>(seqs);
            }
        }
    }

    private static void awaitLatch(CountDownLatch l, String what) throws InterruptedException {
        check(l.await(Ctx.RECV_MS * 2, TimeUnit.MILLISECONDS), "%s: %d messages still missing", what, l.getCount());
    }

    private static void competing(Ctx c) throws Exception {
        ActiveMQConnectionFactory f = c.factory();
        f.getPrefetchPolicy().setQueuePrefetch(10);
        Connection conn = c.start(f.createConnection());
        Session s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Queue q = s.createQueue(c.name(""));
        int n = 3000;
        CountDownLatch all = new CountDownLatch(n);
        List<Collector> cols = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Collector col = new Collector();
            col.attach(conn.createSession(false, Session.AUTO_ACKNOWLEDGE).createConsumer(q), all);
            cols.add(col);
        }
        sendTexts(s, q, "m", n, DeliveryMode.NON_PERSISTENT);
        awaitLatch(all, "3 competing consumers");
        Thread.sleep(Ctx.QUIET_MS); // time for any duplicate to show up
        Set<Integer> seen = new HashSet<>();
        int total = 0;
        for (int k = 0; k < cols.size(); k++) {
            List<Integer> got = cols.get(k).snapshot();
            check(cols.get(k).errors.isEmpty(), "consumer %d: %s", k, cols.get(k).errors);
            check(!got.isEmpty(), "consumer %d got no message of %d: the queue did not share them", k, n);
            for (int i = 1; i < got.size(); i++) {
                check(got.get(i) > got.get(i - 1), "consumer %d got seq %d after %d", k, got.get(i), got.get(i - 1));
            }
            for (int v : got) {
                check(seen.add(v), "seq %d delivered twice", v);
            }
            total += got.size();
            c.info("consumer %d got %d", k, got.size());
        }
        eq(n, total, "messages delivered in total");
    }

    private static void expiration(Ctx c) throws Exception {
        Connection conn = c.connect();
        Session s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Queue q = s.createQueue(c.name(""));
        MessageProducer p = s.createProducer(q);
        TextMessage pers = s.createTextMessage("expires-persistent");
        pers.setStringProperty("suiteTag", c.tag());
        p.send(pers, DeliveryMode.PERSISTENT, 4, 200);
        TextMessage trans = s.createTextMessage("expires-non-persistent");
        trans.setStringProperty("suiteTag", c.tag());
        p.send(trans, DeliveryMode.NON_PERSISTENT, 4, 200);
        p.send(s.createTextMessage("keeps"), DeliveryMode.PERSISTENT, 4, 0);
        Thread.sleep(600);

        MessageConsumer cons = s.createConsumer(q);
        recvText(cons, "keeps", "the message without a time to live");
        none(cons, "expired messages on their queue");

        // ActiveMQ 5.17's default dead-letter strategy: expired persistent messages go to
        // ActiveMQ.DLQ without an expiration (the old one kept in originalExpiration);
        // non-persistent ones are dropped.
        MessageConsumer dead = s.createConsumer(s.createQueue("ActiveMQ.DLQ"), "suiteTag = '" + c.tag() + "'");
        Message m = recvText(dead, "expires-persistent", "expired persistent message on ActiveMQ.DLQ");
        eq(pers.getJMSMessageID(), m.getJMSMessageID(), "DLQ copy JMSMessageID");
        eq(0L, m.getJMSExpiration(), "DLQ copy JMSExpiration");
        eq(pers.getJMSExpiration(), m.getObjectProperty("originalExpiration"), "DLQ copy property originalExpiration");
        eq(q, ((ActiveMQMessage) m).getOriginalDestination(), "DLQ copy original destination");
        none(dead, "expired non-persistent message on ActiveMQ.DLQ");
    }

    private static void priority(Ctx c) throws Exception {
        Connection conn = c.connect();
        Session s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Queue q = s.createQueue(c.name(""));
        MessageProducer p = s.createProducer(q);
        String[] bodies = {"a", "b", "c", "d", "e", "f", "g"};
        int[] prios = {5, 9, 1, 9, 5, 0, 4};
        for (int i = 0; i < bodies.length; i++) {
            p.send(s.createTextMessage(bodies[i]), DeliveryMode.PERSISTENT, prios[i], 0);
        }
        MessageConsumer cons = s.createConsumer(q);
        // Highest priority first; equal priorities keep their send order.
        for (String want : new String[] {"b", "d", "a", "e", "g", "c", "f"}) {
            recvText(cons, want, "priority order");
        }
        none(cons, "after seven");
    }

    private static void groups(Ctx c) throws Exception {
        Connection conn = c.connect();
        Session s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Queue q = s.createQueue(c.name(""));
        Session s1 = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Session s2 = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
        MessageConsumer c1 = s1.createConsumer(q);
        MessageConsumer c2 = s2.createConsumer(q);
        Map<String, List<Integer>> byConsumer = new HashMap<>();
        byConsumer.put("c1", Collections.synchronizedList(new ArrayList<>()));
        byConsumer.put("c2", Collections.synchronizedList(new ArrayList<>()));
        String[] groups = {"A", "B", "C", "D"};
        Map<Integer, String> groupOf = new HashMap<>();
        CountDownLatch first = new CountDownLatch(40);
        c1.setMessageListener(m -> record(m, byConsumer.get("c1"), first));
        c2.setMessageListener(m -> record(m, byConsumer.get("c2"), first));
        MessageProducer p = s.createProducer(q);
        for (int i = 0; i < 40; i++) {
            TextMessage m = s.createTextMessage("m" + i);
            m.setIntProperty("seq", i);
            String g = groups[i % groups.length];
            m.setStringProperty("JMSXGroupID", g);
            groupOf.put(i, g);
            p.send(m);
        }
        awaitLatch(first, "grouped messages");
        Map<String, String> owner = new HashMap<>();
        for (String cn : new String[] {"c1", "c2"}) {
            List<Integer> got = new ArrayList<>(byConsumer.get(cn));
            for (int i = 1; i < got.size(); i++) {
                check(got.get(i) > got.get(i - 1), "%s got seq %d after %d", cn, got.get(i), got.get(i - 1));
            }
            for (int seq : got) {
                String g = groupOf.get(seq);
                String prev = owner.putIfAbsent(g, cn);
                check(prev == null || prev.equals(cn), "group %s went to both consumers", g);
            }
        }
        eq(4, owner.size(), "groups delivered");
        c.info("group owners: %s", owner);

        // When a group's consumer goes away, the group moves to one that is left.
        String gone = owner.get("A");
        String left = gone.equals("c1") ? "c2" : "c1";
        (gone.equals("c1") ? s1 : s2).close();
        List<Integer> leftGot = byConsumer.get(left);
        int before = leftGot.size();
        CountDownLatch second = new CountDownLatch(5);
        (left.equals("c1") ? c1 : c2).setMessageListener(m -> record(m, leftGot, second));
        for (int i = 100; i < 105; i++) {
            TextMessage m = s.createTextMessage("m" + i);
            m.setIntProperty("seq", i);
            m.setStringProperty("JMSXGroupID", "A");
            p.send(m);
        }
        awaitLatch(second, "group A after its consumer closed");
        eq(List.of(100, 101, 102, 103, 104), new ArrayList<>(leftGot.subList(before, leftGot.size())),
                "group A messages at the remaining consumer");
    }

    private static void record(Message m, List<Integer> into, CountDownLatch l) {
        try {
            into.add(m.getIntProperty("seq"));
        } catch (Exception e) {
            into.add(-1);
        }
        l.countDown();
    }

    private static void prefetch0(Ctx c) throws Exception {
        ActiveMQConnectionFactory f = c.factory();
        f.getPrefetchPolicy().setQueuePrefetch(0);
        Connection conn = c.start(f.createConnection());
        Session s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Queue q = s.createQueue(c.name(""));
        // The idle consumer comes first: with a prefetch it would be handed messages.
        MessageConsumer idle = conn.createSession(false, Session.AUTO_ACKNOWLEDGE).createConsumer(q);
        MessageConsumer cons = s.createConsumer(q);
        eq(null, cons.receiveNoWait(), "receiveNoWait on an empty queue");
        eq(null, cons.receive(200), "receive(200) on an empty queue");
        sendTexts(s, q, "m", 3, DeliveryMode.PERSISTENT);
        Message m0 = cons.receiveNoWait();
        check(m0 != null, "receiveNoWait with a message queued returned nothing");
        eq("m0", Ctx.text(m0), "receiveNoWait body");
        recvText(cons, "m1", "receive(timeout)");
        eq("m2", Ctx.text(cons.receive()), "receive() body");
        eq(null, idle.receiveNoWait(), "the idle consumer's receiveNoWait (no message held for it)");

        // A blocking receive() is answered by a message sent while it waits.
        Thread later = new Thread(() -> {
            try {
                Thread.sleep(200);
                Session ls = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
                ls.createProducer(q).send(ls.createTextMessage("late"));
                ls.close();
            } catch (Exception ignored) {
                // the receive below then fails by timing out
            }
        });
        later.start();
        Message late = cons.receive(Ctx.RECV_MS);
        check(late != null, "receive did not get a message sent while it waited");
        eq("late", Ctx.text(late), "late body");
        later.join();
        eq(null, cons.receiveNoWait(), "after everything was received");
    }

    private static void prefetch1(Ctx c) throws Exception {
        ActiveMQConnectionFactory f = c.factory();
        f.getPrefetchPolicy().setQueuePrefetch(1);
        Connection conn = c.start(f.createConnection());
        Session s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Queue q = s.createQueue(c.name(""));
        Session sa = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
        MessageConsumer a = sa.createConsumer(q);
        MessageConsumer b = s.createConsumer(q);
        sendTexts(s, q, "m", 10, DeliveryMode.PERSISTENT);
        Message first = recv(a, "consumer A");
        // A took one and holds at most one more, so eight must reach B while A stays open.
        List<Integer> bGot = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Message m = b.receive(Ctx.RECV_MS);
            check(m != null, "consumer B got %d messages while A is open, want at least 8: A holds more than one unconsumed message",
                    bGot.size());
            bGot.add(m.getIntProperty("seq"));
        }
        Message ninth = b.receive(Ctx.QUIET_MS);
        if (ninth != null) {
            bGot.add(ninth.getIntProperty("seq"));
        }
        for (int i = 1; i < bGot.size(); i++) {
            check(bGot.get(i) > bGot.get(i - 1), "B got seq %d after %d", bGot.get(i), bGot.get(i - 1));
        }
        // Closing A gives back what it held.
        sa.close();
        while (bGot.size() < 9) {
            bGot.add(recv(b, "message A held, after A closed").getIntProperty("seq"));
        }
        none(b, "after all ten");
        Set<Integer> all = new HashSet<>(bGot);
        check(all.add(first.getIntProperty("seq")), "A's message also went to B");
        eq(10, all.size(), "distinct messages");
    }

    private static void exclusive(Ctx c) throws Exception {
        Connection conn = c.connect();
        Session s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
        String name = c.name("");
        Queue q = s.createQueue(name);
        Queue exclusiveQ = s.createQueue(name + "?consumer.exclusive=true");
        Session s1 = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
        MessageConsumer e1 = s1.createConsumer(exclusiveQ);
        MessageConsumer e2 = conn.createSession(false, Session.AUTO_ACKNOWLEDGE).createConsumer(exclusiveQ);
        MessageConsumer plain = conn.createSession(false, Session.AUTO_ACKNOWLEDGE).createConsumer(q);
        sendTexts(s, q, "m", 10, DeliveryMode.PERSISTENT);
        for (int i = 0; i < 10; i++) {
            recvText(e1, "m" + i, "first exclusive consumer");
        }
        none(e2, "second exclusive consumer while the first is open");
        none(plain, "non-exclusive consumer while an exclusive one is open");
        s1.close();
        sendTexts(s, q, "n", 5, DeliveryMode.PERSISTENT);
        for (int i = 0; i < 5; i++) {
            recvText(e2, "n" + i, "second exclusive consumer after the first closed");
        }
        none(plain, "non-exclusive consumer while the second exclusive one is open");
    }

    private static void flowControl(Ctx c) throws Exception {
        ActiveMQConnectionFactory f = c.factory();
        // A window smaller than the data: every send past 16 KB waits for the broker's ProducerAck.
        f.setProducerWindowSize(16 * 1024);
        Connection conn = c.start(f.createConnection());
        Session s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Queue q = s.createQueue(c.name(""));
        MessageProducer p = s.createProducer(q);
        p.setDeliveryMode(DeliveryMode.NON_PERSISTENT);
        byte[] body = new byte[4096];
        for (int i = 0; i < 200; i++) {
            BytesMessage m = s.createBytesMessage();
            body[0] = (byte) i;
            m.writeBytes(body);
            m.setIntProperty("seq", i);
            p.send(m);
        }
        MessageConsumer cons = s.createConsumer(q);
        for (int i = 0; i < 200; i++) {
            Message m = recv(cons, "windowed message " + i);
            eq(i, m.getIntProperty("seq"), "seq");
            eq(4096L, ((BytesMessage) m).getBodyLength(), "body length");
        }
        none(cons, "after 200");
    }
}
