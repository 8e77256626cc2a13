package jmssuite;

import static jmssuite.Ctx.check;
import static jmssuite.Ctx.eq;
import static jmssuite.Ctx.none;
import static jmssuite.Ctx.recvText;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.jms.Connection;
import javax.jms.DeliveryMode;
import javax.jms.InvalidClientIDException;
import javax.jms.JMSException;
import javax.jms.JMSSecurityException;
import javax.jms.Message;
import javax.jms.MessageConsumer;
import javax.jms.MessageProducer;
import javax.jms.Queue;
import javax.jms.Session;
import javax.jms.TextMessage;

import org.apache.activemq.ActiveMQConnection;
import org.apache.activemq.ActiveMQConnectionFactory;
import org.apache.activemq.transport.TransportListener;

/** Connection-level behaviour: client ids, credentials, failover, and the AMQP side of the same queues. */
final class ConnectionScenarios {
    private ConnectionScenarios() {}

    static void register(Map<String, Scenario> m) {
        m.put("duplicate_client_id", ConnectionScenarios::duplicateClientId);
        m.put("wrong_credentials", ConnectionScenarios::wrongCredentials);
        m.put("failover_restart", ConnectionScenarios::failover);
        m.put("amqp_interop", ConnectionScenarios::amqpInterop);
    }

    private static void duplicateClientId(Ctx c) throws Exception {
        String id = c.name("cid");
        Connection a = c.track(c.factory().createConnection());
        a.setClientID(id);
        a.start();
        Connection b = c.track(c.factory().createConnection());
        try {
            // setClientID already registers the connection with the broker.
            b.setClientID(id);
            b.start();
            b.createSession(false, Session.AUTO_ACKNOWLEDGE);
            throw new AssertionError("a second connection with client id " + id + " was accepted");
        } catch (InvalidClientIDException expected) {
            c.info("second connection refused: %s", expected.getMessage());
        } catch (JMSException other) {
            throw new AssertionError("want InvalidClientIDException, got " + other, other);
        }
        a.close();
        // The id is free again once its connection is gone.
        Connection again = c.track(c.factory().createConnection());
        again.setClientID(id);
        again.start();
        again.createSession(false, Session.AUTO_ACKNOWLEDGE).close();
    }

    private static void wrongCredentials(Ctx c) throws Exception {
        if (!c.authEnforced) {
            throw new Skip("the broker under test is declared to accept any credentials (-Djms.auth=false)");
        }
        String[][] tries = {{c.user, c.password + "-wrong"}, {"nobody-" + c.runId, c.password}};
        for (String[] t : tries) {
            Connection x = c.track(c.factory(t[0], t[1]).createConnection());
            try {
                x.start();
                x.createSession(false, Session.AUTO_ACKNOWLEDGE);
                throw new AssertionError("connected as " + t[0] + " with a wrong password");
            } catch (JMSSecurityException expected) {
                c.info("user %s refused: %s", t[0], expected.getMessage());
            } catch (JMSException other) {
                throw new AssertionError("user " + t[0] + ": want JMSSecurityException, got " + other, other);
            }
        }
    }

    private static void failover(Ctx c) throws Exception {
        String url = "failover:(" + c.url + ")?initialReconnectDelay=100&maxReconnectDelay=500&timeout=20000";
        ActiveMQConnectionFactory f = new ActiveMQConnectionFactory(c.user, c.password, url);
        f.getRedeliveryPolicy().setInitialRedeliveryDelay(0);
        // If the scenario fails while the transport keeps reconnecting, closing must not
        // wait the default 15 s for an answer that cannot come.
        f.setCloseTimeout(2000);
        ActiveMQConnection conn = (ActiveMQConnection) c.track(f.createConnection());
        List<JMSException> errors = Collections.synchronizedList(new ArrayList<>());
        conn.setExceptionListener(errors::add);
        AtomicInteger interruptions = new AtomicInteger();
        CountDownLatch resumed = new CountDownLatch(1);
        conn.addTransportListener(new TransportListener() {
            @Override
            public void onCommand(Object command) {}

            @Override
            public void onException(java.io.IOException error) {}

            @Override
            public void transportInterupted() {
                interruptions.incrementAndGet();
            }

            @Override
            public void transportResumed() {
                if (interruptions.get() > 0) {
                    resumed.countDown();
                }
            }
        });
        conn.start();
        Session s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Queue kept = s.createQueue(c.name("kept"));
        Queue live = s.createQueue(c.name("live"));
        s.createProducer(kept).send(s.createTextMessage("stored-before-restart"), DeliveryMode.PERSISTENT, 4, 0);
        MessageProducer p = s.createProducer(live);
        MessageConsumer cons = s.createConsumer(live);
        p.send(s.createTextMessage("live-before"));
        recvText(cons, "live-before", "before the restart");

        c.restartBroker(20000);
        check(resumed.await(15, TimeUnit.SECONDS), "the failover transport did not reconnect within 15 s (interruptions: %d)",
                interruptions.get());
        // The producer and consumer made before the restart still work: the client
        // re-registered them on the new connection.
        p.send(s.createTextMessage("live-after"));
        recvText(cons, "live-after", "existing consumer after the restart");
        MessageConsumer k = s.createConsumer(kept);
        recvText(k, "stored-before-restart", "persistent message across the restart");
        none(k, "after the stored message");
        check(errors.isEmpty(), "the connection reported errors: %s", errors);
        c.info("transport interruptions: %d", interruptions.get());
    }

    private static void amqpInterop(Ctx c) throws Exception {
        String to = System.getProperty("jms.interop.to");
        String from = System.getProperty("jms.interop.from");
        if (to == null || from == null) {
            throw new Skip("needs the Go driver's AMQP side (-Djms.interop.to and -Djms.interop.from)");
        }
        Connection conn = c.connect();
        Session s = conn.createSession(false, Session.AUTO_ACKNOWLEDGE);
        TextMessage m = s.createTextMessage("hello from JMS");
        m.setJMSCorrelationID("jms-corr-1");
        m.setStringProperty("color", "red");
        m.setIntProperty("n", 42);
        s.createProducer(s.createQueue(to)).send(m, DeliveryMode.PERSISTENT, 4, 0);

        MessageConsumer cons = s.createConsumer(s.createQueue(from));
        Message got = recvText(cons, "hello from AMQP", "message published over AMQP (content-type text/plain)");
        eq("amqp-corr-1", got.getJMSCorrelationID(), "JMSCorrelationID from AMQP correlation-id");
        eq("amqp091", got.getObjectProperty("origin"), "property from the AMQP headers table");
        none(cons, "after the AMQP message");
    }
}
