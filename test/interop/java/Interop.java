package interop;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

import javax.jms.BytesMessage;
import javax.jms.Connection;
import javax.jms.DeliveryMode;
import javax.jms.Destination;
import javax.jms.JMSException;
import javax.jms.Message;
import javax.jms.MessageConsumer;
import javax.jms.MessageProducer;
import javax.jms.Queue;
import javax.jms.Session;
import javax.jms.TemporaryQueue;
import javax.jms.TextMessage;
import javax.jms.Topic;

import org.apache.activemq.ActiveMQConnectionFactory;
import org.apache.activemq.command.ActiveMQDestination;

/**
 * The JMS side of the interop matrix: sends and receives with the unchanged ActiveMQ
 * client and reports what it saw as JSON lines on stdout, so that the Go test makes
 * every assertion.
 *
 * <pre>
 * Interop send    --url U --dest D [--dest D2 ...] MESSAGE-OPTIONS
 * Interop receive --url U --dest D [--dest D2 ...] [--count N] [--timeout MS]
 * Interop respond --url U --dest D [--timeout MS]
 * Interop request --url U --dest D [--timeout MS] MESSAGE-OPTIONS
 *
 * D is queue://NAME or topic://NAME.
 * MESSAGE-OPTIONS: --text-b64 B | --bytes-b64 B, --correlation-id S, --reply-to D,
 *   --type S, --priority N, --persistent true|false, --ttl MS,
 *   --prop NAME=TYPE:VALUE (TYPE: string boolean byte short int long float double)
 * </pre>
 *
 * Output lines: {"ready":true} once every consumer exists; {"sent":{...}} per message
 * sent; {"message":{...}} per message received; {"error":"..."} before a non-zero exit.
 */
public final class Interop {
    private static final PrintStream OUT = new PrintStream(System.out, true, StandardCharsets.UTF_8);

    private final List<String> dests = new ArrayList<>();
    private String url;
    private int count = 1;
    private long timeoutMs = 10000;
    private byte[] body = new byte[0];
    private boolean text = true;
    private String correlationId;
    private String replyTo;
    private String type;
    private Integer priority;
    private Boolean persistent;
    private long ttl;
    private final List<String> props = new ArrayList<>();

    public static void main(String[] args) {
        try {
            if (args.length == 0) {
                throw new IllegalArgumentException("usage: Interop send|receive|respond|request --url U --dest D ...");
            }
            Interop i = new Interop();
            i.parse(args);
            switch (args[0]) {
                case "send": i.send(); break;
                case "receive": i.receive(); break;
                case "respond": i.respond(); break;
                case "request": i.request(); break;
                default: throw new IllegalArgumentException("unknown command " + args[0]);
            }
            System.exit(0);
        } catch (Throwable e) {
            OUT.println("{\"error\":" + Json.quote(e.toString()) + "}");
            e.printStackTrace();
            System.exit(1);
        }
    }

    private void parse(String[] args) {
        for (int k = 1; k < args.length; k++) {
            String opt = args[k];
            if (k + 1 >= args.length) {
                throw new IllegalArgumentException("option " + opt + " needs a value");
            }
            String v = args[++k];
            switch (opt) {
                case "--url": url = v; break;
                case "--dest": dests.add(v); break;
                case "--count": count = Integer.parseInt(v); break;
                case "--timeout": timeoutMs = Long.parseLong(v); break;
                case "--text-b64": body = Base64.getDecoder().decode(v); text = true; break;
                case "--bytes-b64": body = Base64.getDecoder().decode(v); text = false; break;
                case "--correlation-id": correlationId = v; break;
                case "--reply-to": replyTo = v; break;
                case "--type": type = v; break;
                case "--priority": priority = Integer.parseInt(v); break;
                case "--persistent": persistent = Boolean.parseBoolean(v); break;
                case "--ttl": ttl = Long.parseLong(v); break;
                case "--prop": props.add(v); break;
                default: throw new IllegalArgumentException("unknown option " + opt);
            }
        }
        if (url == null || dests.isEmpty()) {
            throw new IllegalArgumentException("--url and --dest are required");
        }
    }

    private Connection connect() throws JMSException {
        Connection c = new ActiveMQConnectionFactory("guest", "guest", url).createConnection();
        c.start();
        return c;
    }

    private static Destination destination(Session s, String d) throws JMSException {
        if (d.startsWith("queue://")) {
            return s.createQueue(d.substring("queue://".length()));
        }
        if (d.startsWith("topic://")) {
            return s.createTopic(d.substring("topic://".length()));
        }
        throw new IllegalArgumentException("destination " + d + " is neither queue:// nor topic://");
    }

    /** Builds the message MESSAGE-OPTIONS describe. */
    private Message build(Session s) throws JMSException {
        Message m;
        if (text) {
            m = s.createTextMessage(new String(body, StandardCharsets.UTF_8));
        } else {
            BytesMessage bm = s.createBytesMessage();
            bm.writeBytes(body);
            m = bm;
        }
        if (correlationId != null) {
            m.setJMSCorrelationID(correlationId);
        }
        if (replyTo != null) {
            m.setJMSReplyTo(destination(s, replyTo));
        }
        if (type != null) {
            m.setJMSType(type);
        }
        for (String p : props) {
            setProperty(m, p);
        }
        return m;
    }

    private static void setProperty(Message m, String spec) throws JMSException {
        int eq = spec.indexOf('=');
        int colon = spec.indexOf(':', eq + 1);
        if (eq < 0 || colon < 0) {
            throw new IllegalArgumentException("--prop " + spec + ": want NAME=TYPE:VALUE");
        }
        String name = spec.substring(0, eq);
        String type = spec.substring(eq + 1, colon);
        String v = spec.substring(colon + 1);
        switch (type) {
            case "string": m.setStringProperty(name, v); break;
            case "boolean": m.setBooleanProperty(name, Boolean.parseBoolean(v)); break;
            case "byte": m.setByteProperty(name, Byte.parseByte(v)); break;
            case "short": m.setShortProperty(name, Short.parseShort(v)); break;
            case "int": m.setIntProperty(name, Integer.parseInt(v)); break;
            case "long": m.setLongProperty(name, Long.parseLong(v)); break;
            case "float": m.setFloatProperty(name, Float.parseFloat(v)); break;
            case "double": m.setDoubleProperty(name, Double.parseDouble(v)); break;
            default: throw new IllegalArgumentException("--prop " + spec + ": unknown type " + type);
        }
    }

    private void produce(Session s, MessageProducer p, Message m, String dest) throws JMSException {
        int mode = persistent == null || persistent ? DeliveryMode.PERSISTENT : DeliveryMode.NON_PERSISTENT;
        int prio = priority == null ? Message.DEFAULT_PRIORITY : priority;
        p.send(destination(s, dest), m, mode, prio, ttl);
        Json j = new Json()
            .field("dest", dest)
            .field("messageId", m.getJMSMessageID())
            .field("timestamp", m.getJMSTimestamp())
            .field("expiration", m.getJMSExpiration())
            .field("replyTo", m.getJMSReplyTo() == null ? null : name(m.getJMSReplyTo()));
        OUT.println("{\"sent\":" + j + "}");
    }

    private void send() throws JMSException {
        Connection c = connect();
        try {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageProducer p = s.createProducer(null);
            for (String d : dests) {
                produce(s, p, build(s), d);
            }
        } finally {
            c.close();
        }
    }

    private void receive() throws JMSException {
        Connection c = connect();
        try {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            List<MessageConsumer> consumers = new ArrayList<>();
            for (String d : dests) {
                consumers.add(s.createConsumer(destination(s, d)));
            }
            OUT.println("{\"ready\":true}");
            for (int k = 0; k < consumers.size(); k++) {
                for (int n = 0; n < count; n++) {
                    Message m = consumers.get(k).receive(timeoutMs);
                    if (m == null) {
                        throw new IllegalStateException("no message " + (n + 1) + " of " + count + " on " + dests.get(k) + " within " + timeoutMs + " ms");
                    }
                    OUT.println("{\"message\":" + describe(m) + "}");
                }
            }
        } finally {
            c.close();
        }
    }

    /** Receives one request and answers it at its JMSReplyTo. */
    private void respond() throws JMSException {
        Connection c = connect();
        try {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageConsumer mc = s.createConsumer(destination(s, dests.get(0)));
            OUT.println("{\"ready\":true}");
            Message req = mc.receive(timeoutMs);
            if (req == null) {
                throw new IllegalStateException("no request on " + dests.get(0) + " within " + timeoutMs + " ms");
            }
            OUT.println("{\"message\":" + describe(req) + "}");
            Destination to = req.getJMSReplyTo();
            if (to == null) {
                throw new IllegalStateException("request has no JMSReplyTo");
            }
            String reqText = req instanceof TextMessage ? ((TextMessage) req).getText() : "";
            TextMessage reply = s.createTextMessage("reply to " + reqText);
            reply.setJMSCorrelationID(req.getJMSCorrelationID());
            s.createProducer(to).send(reply);
            OUT.println("{\"sent\":" + new Json().field("dest", name(to)).field("messageId", reply.getJMSMessageID()) + "}");
        } finally {
            c.close();
        }
    }

    /** Sends a request with a temporary queue as JMSReplyTo and waits for the reply. */
    private void request() throws JMSException {
        Connection c = connect();
        try {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            TemporaryQueue tmp = s.createTemporaryQueue();
            MessageConsumer mc = s.createConsumer(tmp);
            Message m = build(s);
            m.setJMSReplyTo(tmp);
            MessageProducer p = s.createProducer(null);
            produce(s, p, m, dests.get(0));
            Message reply = mc.receive(timeoutMs);
            if (reply == null) {
                throw new IllegalStateException("no reply on " + tmp + " within " + timeoutMs + " ms");
            }
            OUT.println("{\"message\":" + describe(reply) + "}");
        } finally {
            c.close();
        }
    }

    private static String name(Destination d) {
        if (d instanceof ActiveMQDestination) {
            return ((ActiveMQDestination) d).getQualifiedName();
        }
        return String.valueOf(d);
    }

    private static String destinationKind(Destination d) {
        if (d instanceof TemporaryQueue) {
            return "temp-queue";
        }
        if (d instanceof Queue) {
            return "queue";
        }
        if (d instanceof Topic) {
            return "topic";
        }
        return d == null ? "" : d.getClass().getSimpleName();
    }

    /** Everything a JMS application can observe about a message. */
    private static Json describe(Message m) throws JMSException {
        Json j = new Json()
            .field("class", bodyClass(m))
            .field("destination", name(m.getJMSDestination()))
            .field("messageId", m.getJMSMessageID())
            .field("correlationId", m.getJMSCorrelationID())
            .field("replyTo", m.getJMSReplyTo() == null ? null : name(m.getJMSReplyTo()))
            .field("replyToKind", destinationKind(m.getJMSReplyTo()))
            .field("type", m.getJMSType())
            .field("priority", m.getJMSPriority())
            .field("deliveryMode", m.getJMSDeliveryMode())
            .field("expiration", m.getJMSExpiration())
            .field("timestamp", m.getJMSTimestamp())
            .field("redelivered", m.getJMSRedelivered());
        Json props = new Json();
        List<String> names = new ArrayList<>();
        for (Enumeration<?> e = m.getPropertyNames(); e.hasMoreElements();) {
            names.add((String) e.nextElement());
        }
        Collections.sort(names);
        for (String n : names) {
            Object v = m.getObjectProperty(n);
            String shown = v instanceof byte[] ? Base64.getEncoder().encodeToString((byte[]) v) : String.valueOf(v);
            props.raw(n, new Json().field("type", v == null ? "null" : v.getClass().getSimpleName()).field("value", shown).toString());
        }
        j.raw("properties", props.toString());
        j.field("body", Base64.getEncoder().encodeToString(bodyBytes(m)));
        return j;
    }

    private static String bodyClass(Message m) {
        if (m instanceof TextMessage) {
            return "TextMessage";
        }
        if (m instanceof BytesMessage) {
            return "BytesMessage";
        }
        String n = m.getClass().getSimpleName();
        return n.startsWith("ActiveMQ") ? n.substring("ActiveMQ".length()) : n;
    }

    private static byte[] bodyBytes(Message m) throws JMSException {
        if (m instanceof TextMessage) {
            String t = ((TextMessage) m).getText();
            return t == null ? new byte[0] : t.getBytes(StandardCharsets.UTF_8);
        }
        if (m instanceof BytesMessage) {
            BytesMessage bm = (BytesMessage) m;
            byte[] b = new byte[(int) bm.getBodyLength()];
            bm.readBytes(b);
            return b;
        }
        return new byte[0];
    }

    /** A JSON object written field by field. */
    static final class Json {
        private final StringBuilder sb = new StringBuilder("{");

        Json field(String name, Object v) {
            String val;
            if (v == null) {
                val = "null";
            } else if (v instanceof Number || v instanceof Boolean) {
                val = v.toString();
            } else {
                val = quote(v.toString());
            }
            return raw(name, val);
        }

        Json raw(String name, String json) {
            if (sb.length() > 1) {
                sb.append(',');
            }
            sb.append(quote(name)).append(':').append(json);
            return this;
        }

        @Override
        public String toString() {
            return sb + "}";
        }

        static String quote(String s) {
            StringBuilder b = new StringBuilder("\"");
            for (int k = 0; k < s.length(); k++) {
                char ch = s.charAt(k);
                switch (ch) {
                    case '"': b.append("\\\""); break;
                    case '\\': b.append("\\\\"); break;
                    case '\n': b.append("\\n"); break;
                    case '\r': b.append("\\r"); break;
                    case '\t': b.append("\\t"); break;
                    default:
                        if (ch < 0x20 || Character.isSurrogate(ch)) {
                            b.append(String.format("\\u%04x", (int) ch));
                        } else {
                            b.append(ch);
                        }
                }
            }
            return b.append('"').toString();
        }
    }
}
