package jmsdurability;

import static jmsdurability.Jms.eq;
import static jmsdurability.Jms.recv;
import static jmsdurability.Jms.text;

import java.util.Arrays;

import javax.jms.Connection;
import javax.jms.DeliveryMode;
import javax.jms.Message;
import javax.jms.MessageProducer;
import javax.jms.Session;
import javax.jms.Topic;
import javax.jms.TopicSubscriber;

/**
 * Durable topic subscriptions, one with a selector and one without, survive a restart:
 * the persistent messages they took while their subscriber was offline are kept (a
 * non-persistent one is not), and after the restart, with the subscriber still away, they
 * go on taking exactly what they select.
 */
final class SubscriptionScenario implements DurabilityJms.Scenario {
    static final String CLIENT_ID = "dur-jms-client";
    static final String TOPIC = "dur.jms.topic";

    private static void publish(Jms jms, String... bodies) throws Exception {
        Connection c = jms.connect();
        Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
        MessageProducer p = s.createProducer(s.createTopic(TOPIC));
        for (String b : bodies) {
            Message m = s.createTextMessage(b);
            m.setStringProperty("color", b.substring(0, b.indexOf('-')));
            int mode = b.endsWith("-np") ? DeliveryMode.NON_PERSISTENT : DeliveryMode.PERSISTENT;
            p.send(m, mode, 4, 0);
        }
        c.close();
    }

    @Override
    public void before(Jms jms) throws Exception {
        Connection c = jms.connect(CLIENT_ID);
        Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Topic t = s.createTopic(TOPIC);
        TopicSubscriber red = s.createDurableSubscriber(t, "sub-red", "color = 'red'", false);
        TopicSubscriber all = s.createDurableSubscriber(t, "sub-all");
        publish(jms, "red-0");
        eq("sub-red, online", "red-0", text(recv(red, "red-0 while online")));
        eq("sub-all, online", "red-0", text(recv(all, "red-0 while online")));
        c.close();
        publish(jms, "red-1", "blue-1", "red-np", "red-2");
    }

    @Override
    public void after(Jms jms) throws Exception {
        // Still offline: the subscriptions themselves must route these.
        publish(jms, "blue-3", "red-3");
        Connection c = jms.connect(CLIENT_ID);
        Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Topic t = s.createTopic(TOPIC);
        TopicSubscriber red = s.createDurableSubscriber(t, "sub-red", "color = 'red'", false);
        eq("sub-red after the restart", Arrays.asList("red-1", "red-2", "red-3"), Jms.texts(Jms.drain(red)));
        TopicSubscriber all = s.createDurableSubscriber(t, "sub-all");
        eq("sub-all after the restart", Arrays.asList("red-1", "blue-1", "red-2", "blue-3", "red-3"),
                Jms.texts(Jms.drain(all)));
        red.close();
        all.close();
        s.unsubscribe("sub-red");
        s.unsubscribe("sub-all");
    }
}
