package jmssuite;

import static jmssuite.Ctx.check;
import static jmssuite.Ctx.eq;
import static jmssuite.Ctx.none;
import static jmssuite.Ctx.noneNow;
import static jmssuite.Ctx.recv;
import static jmssuite.Ctx.recvText;
import static jmssuite.Ctx.sendTexts;
import static jmssuite.Ctx.text;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;

import javax.jms.Connection;
import javax.jms.DeliveryMode;
import javax.jms.Destination;
import javax.jms.JMSException;
import javax.jms.Message;
import javax.jms.MessageConsumer;
import javax.jms.MessageProducer;
import javax.jms.Queue;
import javax.jms.QueueBrowser;
import javax.jms.Session;
import javax.jms.TextMessage;
import javax.jms.Topic;
import javax.jms.TopicSubscriber;

/** Where messages go: topics, wildcards, composites, durable subscriptions, selectors, temporary destinations, browsing. */
final class RoutingScenarios {
    private RoutingScenarios() {}

    static void register(Map<String, Scenario> m) {
        m.put("topic_fanout", RoutingScenarios::fanout);
        m.put("topic_wildcards", RoutingScenarios::wildcards);
        m.put("composite_destinations", RoutingScenarios::composite);
        m.put("durable_subscriber", RoutingScenarios::durable);
        m.put("selector_queue", RoutingScenarios::selectorQueue);
        m.put("selector_topic", RoutingScenarios::selectorTopic);
        m.put("temp_queue_request_reply", c -> requestReply(c, false));
        m.put("temp_topic_request_reply", c -> requestReply(c, true));
        m.put("queue_browser", RoutingScenarios::browser);
    }

    private static void fanout(Ctx c) throws Exception {
        Connection pubConn = c.connect();
        Connection subConn = c.connect();
        Session ps = pubConn.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Topic t = ps.createTopic(c.name(""));
        List<MessageConsumer> subs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Connection on = i % 2 == 0 ? subConn : pubConn;
            subs.add(on.createSession(false, Session.AUTO_ACKNOWLEDGE).createConsumer(t));
        }
        // noLocal: a subscriber on the publishing connection that must see nothing.
        MessageConsumer noLocal = pubConn.createSession(false, Session.AUTO_ACKNOWLEDGE).createConsumer(t, null, true);
        sendTexts(ps, t, "m", 100, DeliveryMode.NON_PERSISTENT);
        MessageConsumer late = null;
        for (int k = 0; k < subs.size(); k++) {
            for (int i = 0; i < 100; i++) {
                recvText(subs.get(k), "m" + i, "subscriber " + k);
            }
            if (k == 0) {
                none(subs.get(k), "subscriber " + k + " after 100");
            } else {
                noneNow(subs.get(k), "subscriber " + k + " after 100");
            }
            if (late == null) {
                // Every message has passed the broker now (non-persistent sends do not wait).
                late = subConn.createSession(false, Session.AUTO_ACKNOWLEDGE).createConsumer(t);
            }
        }
        noneNow(noLocal, "noLocal subscriber on the publishing connection");
        none(late, "subscriber created after the messages were published");
    }

    private static void wildcards(Ctx c) throws Exception {
        Connection conn = c.connect();
        Session s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
        String base = c.name("");
        Map<String, MessageConsumer> subs = new java.util.LinkedHashMap<>();
        for (String pattern : new String[] {base + ".*.x", base + ".>", base + ".a.*", base + ".a.x", base + ".*.*.x"}) {
            subs.put(pattern, s.createConsumer(s.createTopic(pattern)));
        }
        MessageProducer p = s.createProducer(null);
        for (String leaf : new String[] {"a.x", "b.x", "a.b.x", "a.y", "c"}) {
            p.send(s.createTopic(base + "." + leaf), s.createTextMessage(leaf));
        }
        String[][] want = {
            {"a.x", "b.x"},
            {"a.x", "b.x", "a.b.x", "a.y", "c"},
            {"a.x", "a.y"},
            {"a.x"},
            {"a.b.x"},
        };
        int k = 0;
        for (Map.Entry<String, MessageConsumer> e : subs.entrySet()) {
            String pattern = e.getKey().substring(base.length());
            for (String leaf : want[k]) {
                recvText(e.getValue(), leaf, "subscription " + pattern);
            }
            none(e.getValue(), "subscription " + pattern + " after its matches");
            k++;
        }
    }

    private static void composite(Ctx c) throws Exception {
        Connection conn = c.connect();
        Session s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Queue a = s.createQueue(c.name("a"));
        Queue b = s.createQueue(c.name("b"));
        Topic t = s.createTopic(c.name("t"));
        MessageConsumer ca = s.createConsumer(a);
        MessageConsumer cb = s.createConsumer(b);
        MessageConsumer ct = s.createConsumer(t);
        // One send to "A,B,topic://T" reaches both queues and the topic.
        Queue all = s.createQueue(c.name("a") + "," + c.name("b") + ",topic://" + c.name("t"));
        s.createProducer(all).send(s.createTextMessage("to-all"));
        s.createProducer(s.createQueue("queue://" + c.name("a") + "," + c.name("b"))).send(s.createTextMessage("to-queues"));
        eq(a, recvText(ca, "to-all", "queue A").getJMSDestination(), "JMSDestination on queue A");
        eq(b, recvText(cb, "to-all", "queue B").getJMSDestination(), "JMSDestination on queue B");
        eq(t, recvText(ct, "to-all", "topic T").getJMSDestination(), "JMSDestination on topic T");
        recvText(ca, "to-queues", "queue A");
        recvText(cb, "to-queues", "queue B");
        none(ca, "queue A");
        none(cb, "queue B");
        none(ct, "topic T (the second send named only queues)");
    }

    private static void durable(Ctx c) throws Exception {
        String clientId = c.name("client");
        Connection pub = c.connect();
        Session ps = pub.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Topic t = ps.createTopic(c.name(""));
        MessageProducer p = ps.createProducer(t);
        p.setDeliveryMode(DeliveryMode.PERSISTENT);

        Connection a = c.track(c.factory().createConnection());
        a.setClientID(clientId);
        a.start();
        Session sa = a.createSession(false, Session.AUTO_ACKNOWLEDGE);
        TopicSubscriber sub = sa.createDurableSubscriber(t, "sub1");
        p.send(ps.createTextMessage("online"));
        recvText(sub, "online", "durable subscriber while online");
        try {
            sa.unsubscribe("sub1");
            throw new AssertionError("unsubscribe of an active durable subscription succeeded");
        } catch (JMSException expected) {
            c.info("unsubscribe while active: %s", expected);
        }
        sub.close();
        a.close();

        p.send(ps.createTextMessage("offline1"));
        p.send(ps.createTextMessage("offline2"));

        Connection b = c.track(c.factory().createConnection());
        b.setClientID(clientId);
        b.start();
        Session sb = b.createSession(false, Session.AUTO_ACKNOWLEDGE);
        TopicSubscriber back = sb.createDurableSubscriber(t, "sub1");
        recvText(back, "offline1", "kept while offline");
        recvText(back, "offline2", "kept while offline");
        none(back, "after the kept messages");
        back.close();
        sb.unsubscribe("sub1");

        p.send(ps.createTextMessage("after-unsubscribe"));
        TopicSubscriber fresh = sb.createDurableSubscriber(t, "sub1");
        none(fresh, "a new subscription of the same name after unsubscribe");
        p.send(ps.createTextMessage("for-fresh"));
        recvText(fresh, "for-fresh", "new subscription");
        fresh.close();
        sb.unsubscribe("sub1");
    }

    private static void selectorQueue(Ctx c) throws Exception {
        Connection conn = c.connect();
        Session s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Queue q = s.createQueue(c.name(""));
        sendColoured(s, q);
        // red: 0,3,6,9; blue: the rest; weight = 10*i; JMSType t0/t1 by parity.
        MessageConsumer red = s.createConsumer(q, "color = 'red'");
        expectSeqs(red, "color = 'red'", 0, 3, 6, 9);
        MessageConsumer blue = s.createConsumer(q, "color = 'blue' AND weight > 40 AND JMSType = 't1'");
        expectSeqs(blue, "blue, heavy, t1", 5, 7);
        MessageConsumer other = s.createConsumer(q, "color IN ('green') OR (weight BETWEEN 80 AND 90 AND missing IS NULL)");
        expectSeqs(other, "IN / BETWEEN / IS NULL", 8);
        red.close();
        blue.close();
        other.close();
        // Messages no selector took are still there, in order.
        expectSeqs(s.createConsumer(q), "no selector", 1, 2, 4);
    }

    private static void selectorTopic(Ctx c) throws Exception {
        Connection conn = c.connect();
        Session s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Topic t = s.createTopic(c.name(""));
        MessageConsumer red = s.createConsumer(t, "color = 'red'");
        MessageConsumer heavy = s.createConsumer(t, "weight >= 50 AND seq <> 7");
        MessageConsumer all = s.createConsumer(t);
        sendColoured(s, t);
        expectSeqs(red, "color = 'red'", 0, 3, 6, 9);
        expectSeqs(heavy, "weight >= 50 AND seq <> 7", 5, 6, 8, 9);
        expectSeqs(all, "no selector", 0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    }

    private static void sendColoured(Session s, Destination d) throws JMSException {
        MessageProducer p = s.createProducer(d);
        p.setDeliveryMode(DeliveryMode.NON_PERSISTENT);
        for (int i = 0; i < 10; i++) {
            TextMessage m = s.createTextMessage("m" + i);
            m.setIntProperty("seq", i);
            m.setStringProperty("color", i % 3 == 0 ? "red" : "blue");
            m.setLongProperty("weight", 10L * i);
            m.setJMSType("t" + (i % 2));
            p.send(m);
        }
    }

    private static void expectSeqs(MessageConsumer cons, String what, int... seqs) throws JMSException {
        for (int want : seqs) {
            Message m = recv(cons, what);
            eq(want, m.getIntProperty("seq"), what + ": seq");
        }
        none(cons, what + " after its matches");
    }

    private static void requestReply(Ctx c, boolean topic) throws Exception {
        Connection server = c.connect();
        Connection client = c.connect();
        Session ss = server.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Queue service = ss.createQueue(c.name("service"));
        MessageProducer replier = ss.createProducer(null);
        MessageConsumer requests = ss.createConsumer(service);
        List<Throwable> serverErrors = Collections.synchronizedList(new ArrayList<>());
        requests.setMessageListener(req -> {
            try {
                TextMessage rep = ss.createTextMessage("re:" + ((TextMessage) req).getText());
                rep.setJMSCorrelationID(req.getJMSMessageID());
                replier.send(req.getJMSReplyTo(), rep);
            } catch (Throwable e) {
                serverErrors.add(e);
            }
        });

        Session cs = client.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Destination replyTo = topic ? cs.createTemporaryTopic() : cs.createTemporaryQueue();
        MessageConsumer replies = cs.createConsumer(replyTo);
        MessageProducer p = cs.createProducer(service);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            TextMessage req = cs.createTextMessage("q" + i);
            req.setJMSReplyTo(replyTo);
            p.send(req);
            ids.add(req.getJMSMessageID());
        }
        for (int i = 0; i < 5; i++) {
            Message rep = recv(replies, "reply " + i);
            check(serverErrors.isEmpty(), "replier failed: %s", serverErrors);
            eq("re:q" + i, text(rep), "reply body");
            eq(ids.get(i), rep.getJMSCorrelationID(), "reply JMSCorrelationID = request JMSMessageID");
        }
        none(replies, "after five replies");
        check(serverErrors.isEmpty(), "replier failed: %s", serverErrors);
        replies.close();
        if (topic) {
            ((javax.jms.TemporaryTopic) replyTo).delete();
        } else {
            ((javax.jms.TemporaryQueue) replyTo).delete();
        }
    }

    private static void browser(Ctx c) throws Exception {
        Connection conn = c.connect();
        Session s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Queue q = s.createQueue(c.name(""));
        sendTexts(s, q, "m", 5, DeliveryMode.PERSISTENT);
        for (int pass = 1; pass <= 2; pass++) {
            QueueBrowser br = s.createBrowser(q);
            eq(List.of("m0", "m1", "m2", "m3", "m4"), browse(br), "browse pass " + pass);
            br.close();
        }
        QueueBrowser sel = s.createBrowser(q, "seq >= 3");
        eq(List.of("m3", "m4"), browse(sel), "browse with selector seq >= 3");
        sel.close();
        MessageConsumer cons = s.createConsumer(q);
        for (int i = 0; i < 5; i++) {
            recvText(cons, "m" + i, "consumer after browsing");
        }
        none(cons, "after consuming the browsed messages");
        cons.close();
        QueueBrowser empty = s.createBrowser(q);
        eq(List.of(), browse(empty), "browse of the drained queue");
    }

    private static List<String> browse(QueueBrowser br) throws JMSException {
        List<String> got = new ArrayList<>();
        for (Enumeration<?> e = br.getEnumeration(); e.hasMoreElements(); ) {
            got.add(text((Message) e.nextElement()));
        }
        return got;
    }
}
