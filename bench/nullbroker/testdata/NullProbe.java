import javax.jms.Connection;
import javax.jms.DeliveryMode;
import javax.jms.Message;
import javax.jms.MessageConsumer;
import javax.jms.MessageProducer;
import javax.jms.Queue;
import javax.jms.Session;

import org.apache.activemq.ActiveMQConnection;
import org.apache.activemq.ActiveMQConnectionFactory;

/**
 * Checks that the ActiveMQ Java client can work against the null broker:
 * connect, subscribe (and receive nothing), send persistent messages
 * synchronously and non-persistent ones asynchronously, close. Prints one
 * line per finding for the Go test to check; exits non-zero on failure.
 *
 * <pre>java -cp CLASSES:/usr/share/activemq/lib/* NullProbe tcp://127.0.0.1:61699</pre>
 */
public final class NullProbe {
    public static void main(String[] args) throws Exception {
        ActiveMQConnectionFactory f = new ActiveMQConnectionFactory("guest", "guest", args[0]);
        Connection c = f.createConnection();
        c.start();
        System.out.println("BROKER " + ((ActiveMQConnection) c).getBrokerName());
        Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Queue q = s.createQueue("ceiling");

        MessageConsumer consumer = s.createConsumer(q);
        Message got = consumer.receive(200);
        System.out.println("RECEIVED " + (got == null ? 0 : 1));
        consumer.close();

        MessageProducer p = s.createProducer(q);
        p.setDeliveryMode(DeliveryMode.PERSISTENT);
        int sent = 0;
        for (int i = 0; i < 100; i++) {
            p.send(s.createTextMessage("persistent " + i));
            sent++;
        }
        System.out.println("SENT PERSISTENT " + sent);

        p.setDeliveryMode(DeliveryMode.NON_PERSISTENT);
        for (int i = 0; i < 1000; i++) {
            p.send(s.createTextMessage("non-persistent " + i));
        }
        // A synchronous send after the asynchronous burst: its Response
        // shows the stream stayed in step.
        p.setDeliveryMode(DeliveryMode.PERSISTENT);
        p.send(s.createTextMessage("last"));
        System.out.println("SENT NON-PERSISTENT 1000");

        c.close();
        System.out.println("CLOSED");
    }
}
