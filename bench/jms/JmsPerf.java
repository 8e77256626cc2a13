import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import javax.jms.BytesMessage;
import javax.jms.Connection;
import javax.jms.DeliveryMode;
import javax.jms.Destination;
import javax.jms.Message;
import javax.jms.MessageConsumer;
import javax.jms.MessageProducer;
import javax.jms.Session;

import org.apache.activemq.ActiveMQConnectionFactory;
import org.apache.activemq.ActiveMQSession;

/**
 * JMS load generator over the ActiveMQ 5.17 client, the OpenWire counterpart of
 * cmd/junction-perf: producers and consumers (one connection each) on one queue,
 * or producer i and consumer i on queue i mod N (-queues N), or on a topic that
 * every consumer receives in full (-topic); per-second rates on stderr, then one
 * JSON line on stdout with the published and consumed rates and end-to-end
 * latency percentiles. Each body starts with the send time (big-endian Unix
 * nanoseconds, as junction-perf writes it).
 *
 * <pre>
 * java -cp CLASSES:/usr/share/activemq/lib/* JmsPerf -url tcp://127.0.0.1:61616 -size 1024 -duration 20
 * </pre>
 */
public final class JmsPerf {
    static String url = "tcp://127.0.0.1:61616";
    static String user = "guest";
    static String password = "guest";
    static String queue = "";
    static int producers = 1;
    static int consumers = 1;
    static int queues = 1;
    static boolean topic;
    static int size = 1024;
    static boolean persistent;
    static boolean asyncSend;
    static double duration = 10;
    static double warmup;
    static String ack = "auto";
    static int prefetch = -1;
    static int txBatch = 100;
    static int rate;
    static boolean quiet;
    static boolean drain;

    static final AtomicLong published = new AtomicLong();
    static final AtomicLong consumed = new AtomicLong();
    static final Histogram latency = new Histogram();
    static final AtomicReference<Throwable> failure = new AtomicReference<>();
    static volatile boolean stopProducers;
    static volatile boolean stopConsumers;

    // Unix nanoseconds from a monotonic clock: nanoTime offset by the wall clock once.
    static final long EPOCH_OFFSET = System.currentTimeMillis() * 1_000_000L - System.nanoTime();

    static long nowNanos() {
        return System.nanoTime() + EPOCH_OFFSET;
    }

    public static void main(String[] args) throws Exception {
        parse(args);
        if (size < 8) {
            size = 8;
        }
        if (queue.isEmpty()) {
            queue = "perf.jms." + UUID.randomUUID().toString().substring(0, 8);
        }
        ActiveMQConnectionFactory f = new ActiveMQConnectionFactory(user, password, url);
        if (queues < 1) {
            queues = 1;
        }
        if (prefetch >= 0) {
            f.getPrefetchPolicy().setQueuePrefetch(prefetch);
            f.getPrefetchPolicy().setTopicPrefetch(prefetch);
        }
        f.setUseAsyncSend(asyncSend);

        List<Connection> conns = new ArrayList<>();
        List<Thread> consumerThreads = new ArrayList<>();
        CountDownLatch subscribed = new CountDownLatch(consumers);
        for (int i = 0; i < consumers; i++) {
            Connection c = f.createConnection();
            conns.add(c);
            c.start();
            int n = i;
            Thread t = new Thread(() -> consume(c, n, subscribed), "consumer-" + i);
            consumerThreads.add(t);
        }
        for (Thread t : consumerThreads) {
            t.start();
        }
        // Consumers subscribe before the clock starts, so no message waits for
        // one and, on a topic, none is sent before every subscriber exists.
        if (!subscribed.await(30, TimeUnit.SECONDS)) {
            Throwable t = failure.get();
            throw new IllegalStateException("consumers did not subscribe within 30 s", t);
        }

        List<Thread> producerThreads = new ArrayList<>();
        for (int i = 0; i < producers; i++) {
            Connection c = f.createConnection();
            conns.add(c);
            c.start();
            int n = i;
            producerThreads.add(new Thread(() -> produce(c, n), "producer-" + i));
        }
        long t0 = System.nanoTime();
        for (Thread t : producerThreads) {
            t.start();
        }
        // The JIT compiles the client's (and a Java broker's) hot paths during
        // the first seconds; a warm-up lets messages flow uncounted so that the
        // figures describe the steady state, not the compiler.
        long start = t0, pub0 = 0, con0 = 0;
        if (warmup > 0) {
            report(t0, t0 + (long) (warmup * 1e9), "warm-up ");
            pub0 = published.get();
            con0 = consumed.get();
            latency.reset();
            start = System.nanoTime();
        }
        report(start, start + (long) (duration * 1e9), "");
        double elapsed = (System.nanoTime() - start) / 1e9;
        long pub = published.get() - pub0, con = consumed.get() - con0;
        stopProducers = true;
        for (Thread t : producerThreads) {
            t.join(10_000);
        }
        if (drain) {
            drainConsumers();
        }
        stopConsumers = true;
        for (Thread t : consumerThreads) {
            t.join(10_000);
        }
        for (Connection c : conns) {
            try {
                c.close();
            } catch (Exception ignored) {
                // the figures are taken; a connection that fails to close does not change them
            }
        }
        System.out.println(String.format(Locale.ROOT,
                "{\"protocol\":\"openwire\",\"client\":\"activemq-client-5.17\",\"producers\":%d,\"consumers\":%d,"
                        + "\"queues\":%d,\"topic\":%b,\"size\":%d,\"persistent\":%b,\"ack\":\"%s\",\"prefetch\":%d,\"warmup_seconds\":%.3f,\"seconds\":%.3f,"
                        + "\"published\":%d,\"consumed\":%d,\"published_msgs_per_sec\":%.1f,\"consumed_msgs_per_sec\":%.1f,"
                        + "\"published_total\":%d,\"consumed_total\":%d,"
                        + "\"latency_us\":{\"p50\":%.1f,\"p95\":%.1f,\"p99\":%.1f,\"p99_9\":%.1f,\"max\":%.1f}}",
                producers, consumers, queues, topic, size, persistent, ack, prefetch < 0 ? (topic ? 32766 : 1000) : prefetch, warmup, elapsed, pub, con,
                pub / elapsed, con / elapsed, published.get(), consumed.get(), latency.quantile(0.5) / 1e3, latency.quantile(0.95) / 1e3,
                latency.quantile(0.99) / 1e3, latency.quantile(0.999) / 1e3, latency.max() / 1e3));
        Throwable t = failure.get();
        if (t != null) {
            System.err.println("jms-perf: " + t);
            System.exit(1);
        }
        System.exit(0);
    }

    /**
     * With -drain, waits once the producers have stopped until the consumers
     * have every message that should reach them (each one's copy on a topic,
     * one copy on queues), or have received nothing for two seconds, or 10 s
     * have passed, so that the totals count every message that was going to
     * arrive.
     */
    static void drainConsumers() throws InterruptedException {
        long expected = published.get() * (topic ? consumers : 1);
        long deadline = System.nanoTime() + 10_000_000_000L;
        long last = consumed.get(), lastChange = System.nanoTime();
        while (consumed.get() < expected && failure.get() == null) {
            long now = System.nanoTime();
            if (now >= deadline || now - lastChange >= 2_000_000_000L) {
                return;
            }
            Thread.sleep(20);
            long c = consumed.get();
            if (c != last) {
                last = c;
                lastChange = System.nanoTime();
            }
        }
    }

    /** Prints per-second rates (unless -quiet) from one instant until another. */
    static void report(long from, long until, String phase) {
        long lastP = published.get(), lastC = consumed.get(), lastT = from;
        while (System.nanoTime() < until && failure.get() == null) {
            long next = Math.min(until, lastT + 1_000_000_000L);
            LockSupport.parkNanos(next - System.nanoTime());
            long now = System.nanoTime();
            long p = published.get(), c = consumed.get();
            double dt = (now - lastT) / 1e9;
            if (!quiet && dt > 0.5) {
                System.err.printf(Locale.ROOT, "%stime %5.1fs  sent %9.0f msg/s  received %9.0f msg/s  latency p50 %8.0f µs  p99 %8.0f µs%n",
                        phase, (now - from) / 1e9, (p - lastP) / dt, (c - lastC) / dt, latency.quantile(0.5) / 1e3,
                        latency.quantile(0.99) / 1e3);
            }
            lastP = p;
            lastC = c;
            lastT = now;
        }
    }

    static int ackMode() {
        switch (ack) {
            case "auto":
                return Session.AUTO_ACKNOWLEDGE;
            case "dups_ok":
                return Session.DUPS_OK_ACKNOWLEDGE;
            case "client":
                return Session.CLIENT_ACKNOWLEDGE;
            case "individual":
                return ActiveMQSession.INDIVIDUAL_ACKNOWLEDGE;
            case "transacted":
                return Session.SESSION_TRANSACTED;
            default:
                throw new IllegalArgumentException("-ack: auto, dups_ok, client, individual or transacted, not " + ack);
        }
    }

    /**
     * The destination of producer or consumer i: queue i mod -queues (the one
     * queue by its own name when there is one), or the topic of that name.
     */
    static Destination destination(Session s, int i) throws javax.jms.JMSException {
        String name = queues == 1 ? queue : queue + "." + (i % queues);
        return topic ? s.createTopic(name) : s.createQueue(name);
    }

    static void produce(Connection c, int i) {
        try {
            boolean tx = ack.equals("transacted");
            Session s = c.createSession(tx, tx ? Session.SESSION_TRANSACTED : Session.AUTO_ACKNOWLEDGE);
            MessageProducer p = s.createProducer(destination(s, i));
            p.setDeliveryMode(persistent ? DeliveryMode.PERSISTENT : DeliveryMode.NON_PERSISTENT);
            byte[] body = new byte[size];
            ByteBuffer stamp = ByteBuffer.wrap(body);
            long interval = rate > 0 ? (long) (1e9 * producers / rate) : 0;
            long next = System.nanoTime();
            int inTx = 0;
            while (!stopProducers) {
                if (interval > 0) {
                    next += interval;
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                }
                stamp.putLong(0, nowNanos());
                BytesMessage m = s.createBytesMessage();
                m.writeBytes(body);
                p.send(m);
                if (tx && ++inTx >= txBatch) {
                    s.commit();
                    published.addAndGet(inTx);
                    inTx = 0;
                } else if (!tx) {
                    published.incrementAndGet();
                }
            }
            if (tx && inTx > 0) {
                s.commit();
                published.addAndGet(inTx);
            }
        } catch (Throwable e) {
            if (!stopProducers) {
                failure.compareAndSet(null, e);
            }
        }
    }

    static void consume(Connection c, int i, CountDownLatch subscribed) {
        try {
            int mode = ackMode();
            boolean tx = mode == Session.SESSION_TRANSACTED;
            Session s = c.createSession(tx, mode);
            MessageConsumer mc = s.createConsumer(destination(s, i));
            subscribed.countDown();
            byte[] head = new byte[8];
            int inTx = 0;
            while (!stopConsumers) {
                Message m = mc.receive(100);
                if (m == null) {
                    continue;
                }
                long now = nowNanos();
                BytesMessage b = (BytesMessage) m;
                b.readBytes(head);
                latency.record(now - ByteBuffer.wrap(head).getLong());
                if (mode == Session.CLIENT_ACKNOWLEDGE || mode == ActiveMQSession.INDIVIDUAL_ACKNOWLEDGE) {
                    m.acknowledge();
                }
                if (tx && ++inTx >= txBatch) {
                    s.commit();
                    inTx = 0;
                }
                consumed.incrementAndGet();
            }
            if (tx && inTx > 0) {
                s.commit();
            }
        } catch (Throwable e) {
            if (!stopConsumers) {
                failure.compareAndSet(null, e);
            }
            // A consumer that failed before subscribing must not leave main
            // waiting for it; main sees the failure and stops at once.
            subscribed.countDown();
        }
    }

    static void parse(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i].replaceFirst("^--?", "");
            String v = null;
            int eq = a.indexOf('=');
            if (eq >= 0) {
                v = a.substring(eq + 1);
                a = a.substring(0, eq);
            }
            if (a.equals("persistent") || a.equals("async-send") || a.equals("topic") || a.equals("quiet") || a.equals("drain") || a.equals("h") || a.equals("help")) {
                boolean on = v == null || Boolean.parseBoolean(v);
                switch (a) {
                    case "persistent":
                        persistent = on;
                        break;
                    case "async-send":
                        asyncSend = on;
                        break;
                    case "topic":
                        topic = on;
                        break;
                    case "quiet":
                        quiet = on;
                        break;
                    case "drain":
                        drain = on;
                        break;
                    default:
                        usage(0);
                }
                continue;
            }
            if (v == null) {
                if (i + 1 >= args.length) {
                    usage(2);
                }
                v = args[++i];
            }
            switch (a) {
                case "url":
                    url = v;
                    break;
                case "user":
                    user = v;
                    break;
                case "password":
                    password = v;
                    break;
                case "queue":
                    queue = v;
                    break;
                case "producers":
                    producers = Integer.parseInt(v);
                    break;
                case "consumers":
                    consumers = Integer.parseInt(v);
                    break;
                case "queues":
                    queues = Integer.parseInt(v);
                    break;
                case "size":
                    size = Integer.parseInt(v);
                    break;
                case "duration":
                    duration = Double.parseDouble(v.replaceFirst("s$", ""));
                    break;
                case "warmup":
                    warmup = Double.parseDouble(v.replaceFirst("s$", ""));
                    break;
                case "ack":
                    ack = v;
                    ackMode();
                    break;
                case "prefetch":
                    prefetch = Integer.parseInt(v);
                    break;
                case "tx-batch":
                    txBatch = Integer.parseInt(v);
                    break;
                case "rate":
                    rate = Integer.parseInt(v);
                    break;
                default:
                    System.err.println("unknown option -" + a);
                    usage(2);
            }
        }
    }

    static void usage(int code) {
        System.err.println("usage: JmsPerf [-url tcp://127.0.0.1:61616] [-user guest] [-password guest] [-queue NAME]\n"
                + "  [-producers 1] [-consumers 1] [-queues 1] [-topic] [-size 1024] [-persistent] [-async-send] [-warmup 0] [-duration 10]\n"
                + "  [-ack auto|dups_ok|client|individual|transacted] [-tx-batch 100] [-prefetch 1000] [-rate 0] [-drain] [-quiet]");
        System.exit(code);
    }

    /**
     * Log-linear latency histogram over nanoseconds: exact below 256 ns, then 128
     * buckets per power of two (under 0.8% error). The recording threads share it
     * under its lock, which is cheap next to a JMS receive.
     */
    static final class Histogram {
        private static final int BITS = 8;
        private static final int HALF = 1 << (BITS - 1);
        private final long[] counts = new long[64 * HALF];
        private long total;
        private long max;

        synchronized void record(long v) {
            v = Math.max(v, 0);
            counts[index(v)]++;
            total++;
            max = Math.max(max, v);
        }

        static int index(long v) {
            if (v < (1L << BITS)) {
                return (int) v;
            }
            int shift = 63 - Long.numberOfLeadingZeros(v) - BITS + 1;
            return shift * HALF + (int) (v >>> shift);
        }

        /** The middle of bucket idx. */
        static long value(int idx) {
            if (idx < (1 << BITS)) {
                return idx;
            }
            int shift = idx / HALF - 1;
            long mant = idx - (long) shift * HALF;
            return (mant << shift) + ((1L << shift) >> 1);
        }

        synchronized double quantile(double q) {
            if (total == 0) {
                return 0;
            }
            long rank = Math.max(1, (long) Math.ceil(q * total));
            long seen = 0;
            for (int i = 0; i < counts.length; i++) {
                seen += counts[i];
                if (seen >= rank) {
                    return Math.min(value(i), max);
                }
            }
            return max;
        }

        synchronized double max() {
            return max;
        }

        synchronized void reset() {
            java.util.Arrays.fill(counts, 0);
            total = 0;
            max = 0;
        }
    }
}
