// Holder connects to Junction over OpenWire and holds the connection open
// for the management tests: a durable subscription and a prepared XA
// branch exist while it runs. It prints READY once both exist, EXCEPTION
// and the message when the broker closes the connection, and exits when
// standard input closes.
//
//   java -cp <ActiveMQ jars> Holder.java tcp://127.0.0.1:61616 client-id
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import javax.jms.Connection;
import javax.jms.Session;
import javax.jms.Topic;
import javax.jms.XAConnection;
import javax.jms.XASession;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.apache.activemq.ActiveMQConnectionFactory;
import org.apache.activemq.ActiveMQXAConnectionFactory;

public class Holder {
    static final class SimpleXid implements Xid {
        public int getFormatId() { return 42; }
        public byte[] getGlobalTransactionId() { return "gtx1".getBytes(StandardCharsets.US_ASCII); }
        public byte[] getBranchQualifier() { return "b1".getBytes(StandardCharsets.US_ASCII); }
    }

    public static void main(String[] args) throws Exception {
        String url = args[0] + "?jms.watchTopicAdvisories=false";
        ActiveMQConnectionFactory f = new ActiveMQConnectionFactory("guest", "guest", url);
        Connection c = f.createConnection();
        c.setClientID(args[1]);
        c.setExceptionListener(e -> {
            System.out.println("EXCEPTION " + e.getMessage());
            System.out.flush();
        });
        c.start();
        Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Topic t = s.createTopic("prices");
        s.createDurableSubscriber(t, "feed", "region = 'eu'", false);

        ActiveMQXAConnectionFactory xf = new ActiveMQXAConnectionFactory("guest", "guest", url);
        XAConnection xc = xf.createXAConnection();
        xc.start();
        XASession xs = xc.createXASession();
        XAResource xr = xs.getXAResource();
        Xid xid = new SimpleXid();
        xr.start(xid, XAResource.TMNOFLAGS);
        xs.getSession().createProducer(xs.getSession().createQueue("xa.q")).send(xs.getSession().createTextMessage("in doubt"));
        xr.end(xid, XAResource.TMSUCCESS);
        xr.prepare(xid);
        xc.close();

        System.out.println("READY");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        while (in.readLine() != null) {
        }
        try {
            c.close();
        } catch (Exception e) {
            // already closed by the broker
        }
    }
}
