package jmssuite;

import static jmssuite.Ctx.check;
import static jmssuite.Ctx.eq;
import static jmssuite.Ctx.none;
import static jmssuite.Ctx.recvText;
import static jmssuite.Ctx.sendTexts;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import javax.jms.Connection;
import javax.jms.DeliveryMode;
import javax.jms.Message;
import javax.jms.MessageConsumer;
import javax.jms.MessageProducer;
import javax.jms.Queue;
import javax.jms.Session;
import javax.jms.XAConnection;
import javax.jms.XASession;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/** Distributed transactions through XAResource, as a transaction manager would drive them. */
final class XaScenarios {
    private XaScenarios() {}

    static void register(Map<String, Scenario> m) {
        m.put("xa_commit", XaScenarios::commit);
        m.put("xa_rollback", XaScenarios::rollback);
        m.put("xa_recover", XaScenarios::recover);
    }

    /** A transaction id; XAResource implementations compare ids by their three fields. */
    static final class TestXid implements Xid {
        private final byte[] gtrid;
        private final byte[] bqual;

        TestXid(String global, String branch) {
            gtrid = global.getBytes(StandardCharsets.UTF_8);
            bqual = branch.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public int getFormatId() {
            return 0x4a4d53;
        }

        @Override
        public byte[] getGlobalTransactionId() {
            return gtrid.clone();
        }

        @Override
        public byte[] getBranchQualifier() {
            return bqual.clone();
        }

        static boolean same(Xid a, Xid b) {
            return a.getFormatId() == b.getFormatId()
                    && Arrays.equals(a.getGlobalTransactionId(), b.getGlobalTransactionId())
                    && Arrays.equals(a.getBranchQualifier(), b.getBranchQualifier());
        }

        @Override
        public String toString() {
            return new String(gtrid, StandardCharsets.UTF_8) + "/" + new String(bqual, StandardCharsets.UTF_8);
        }
    }

    private static XAConnection xaConnect(Ctx c) throws Exception {
        return c.start(c.xaFactory().createXAConnection());
    }

    private static void commit(Ctx c) throws Exception {
        XAConnection xc = xaConnect(c);
        XASession xs = xc.createXASession();
        XAResource res = xs.getXAResource();
        Connection plain = c.connect();
        Session ps = plain.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Queue q = ps.createQueue(c.name(""));
        MessageConsumer cons = ps.createConsumer(q);
        MessageProducer p = xs.createProducer(q);

        Xid two = new TestXid(c.tag() + "-2pc", "b1");
        res.start(two, XAResource.TMNOFLAGS);
        p.send(xs.createTextMessage("two-phase"));
        res.end(two, XAResource.TMSUCCESS);
        none(cons, "after end, before prepare");
        eq(XAResource.XA_OK, res.prepare(two), "prepare vote");
        none(cons, "prepared, not committed");
        res.commit(two, false);
        recvText(cons, "two-phase", "after two-phase commit");

        Xid one = new TestXid(c.tag() + "-1pc", "b1");
        res.start(one, XAResource.TMNOFLAGS);
        p.send(xs.createTextMessage("one-phase"));
        res.end(one, XAResource.TMSUCCESS);
        none(cons, "one-phase transaction before commit");
        res.commit(one, true);
        recvText(cons, "one-phase", "after one-phase commit");
        none(cons, "after both commits");
    }

    private static void rollback(Ctx c) throws Exception {
        XAConnection xc = xaConnect(c);
        XASession xs = xc.createXASession();
        XAResource res = xs.getXAResource();
        Connection plain = c.connect();
        Session ps = plain.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Queue q = ps.createQueue(c.name(""));
        Queue in = ps.createQueue(c.name("in"));
        MessageConsumer cons = ps.createConsumer(q);

        Xid x1 = new TestXid(c.tag() + "-send", "b1");
        res.start(x1, XAResource.TMNOFLAGS);
        xs.createProducer(q).send(xs.createTextMessage("rolled-back"));
        res.end(x1, XAResource.TMSUCCESS);
        eq(XAResource.XA_OK, res.prepare(x1), "prepare vote");
        res.rollback(x1);
        none(cons, "a send rolled back after prepare");

        sendTexts(ps, in, "m", 1, DeliveryMode.PERSISTENT);
        MessageConsumer xcons = xs.createConsumer(in);
        Xid x2 = new TestXid(c.tag() + "-recv", "b1");
        res.start(x2, XAResource.TMNOFLAGS);
        Message m = recvText(xcons, "m0", "XA receive");
        eq(false, m.getJMSRedelivered(), "first XA delivery JMSRedelivered");
        res.end(x2, XAResource.TMSUCCESS);
        res.rollback(x2);

        Xid x3 = new TestXid(c.tag() + "-recv-again", "b1");
        res.start(x3, XAResource.TMNOFLAGS);
        Message again = recvText(xcons, "m0", "XA receive after rollback");
        eq(true, again.getJMSRedelivered(), "JMSRedelivered after XA rollback");
        eq(2, Ctx.deliveryCount(again), "JMSXDeliveryCount after XA rollback");
        res.end(x3, XAResource.TMSUCCESS);
        res.commit(x3, true);
        xcons.close();
        none(ps.createConsumer(in), "the consumed message after the commit");
    }

    private static void recover(Ctx c) throws Exception {
        XAConnection first = xaConnect(c);
        XASession xs = first.createXASession();
        XAResource res = xs.getXAResource();
        Queue q = xs.createQueue(c.name(""));
        Xid x = new TestXid(c.tag() + "-in-doubt", "b1");
        res.start(x, XAResource.TMNOFLAGS);
        xs.createProducer(q).send(xs.createTextMessage("in-doubt"));
        res.end(x, XAResource.TMSUCCESS);
        eq(XAResource.XA_OK, res.prepare(x), "prepare vote");
        check(contains(res.recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN), x),
                "recover on the preparing connection does not list %s", x);
        first.close();

        // A prepared transaction outlives its connection; a transaction manager finds it
        // again with recover on a new one and finishes it.
        Connection plain = c.connect();
        Session ps = plain.createSession(false, Session.AUTO_ACKNOWLEDGE);
        MessageConsumer cons = ps.createConsumer(q);
        none(cons, "in-doubt transaction's message");
        XAConnection second = xaConnect(c);
        XAResource res2 = second.createXASession().getXAResource();
        Xid[] found = res2.recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN);
        check(contains(found, x), "recover on a new connection: %s not among %s", x, ids(found));
        res2.commit(x, false);
        recvText(cons, "in-doubt", "after commit from the recovering connection");
        check(!contains(res2.recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN), x),
                "recover still lists %s after its commit", x);
    }

    private static boolean contains(Xid[] xids, Xid x) {
        for (Xid y : xids) {
            if (TestXid.same(x, y)) {
                return true;
            }
        }
        return false;
    }

    private static List<String> ids(Xid[] xids) {
        List<String> out = new ArrayList<>();
        for (Xid y : xids) {
            out.add(new String(y.getGlobalTransactionId(), StandardCharsets.UTF_8));
        }
        return out;
    }
}
