package broker

import (
	"regexp"
	"testing"

	"github.com/junctionmq/junction/message"
)

func policyBroker(t *testing.T, ps ...Policy) (*Broker, *VHost) {
	t.Helper()
	b, err := New(Options{Policies: ps})
	if err != nil {
		t.Fatal(err)
	}
	v, _ := b.VHost("/")
	return b, v
}

func TestPolicyAppliesItsArgumentsToQueuesMatchingItsPattern(t *testing.T) {
	_, v := policyBroker(t, Policy{Name: "orders-limits", Pattern: regexp.MustCompile(`^orders\.`),
		Args: message.Table{"x-max-length": int64(2), "x-dead-letter-exchange": "dlx"}})
	q, err := v.DeclareQueue(nil, QueueSpec{Name: "orders.eu"}, false)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := v.DeclareQueue(nil, QueueSpec{Name: "invoices"}, false)
	if q.cfg.maxLength != 2 || q.cfg.dlx != "dlx" || !q.cfg.hasDLX || q.PolicyName() != "orders-limits" {
		t.Fatalf("matching queue: max-length %d dlx %q policy %q", q.cfg.maxLength, q.cfg.dlx, q.PolicyName())
	}
	if other.cfg.maxLength != -1 || other.cfg.hasDLX || other.PolicyName() != "" {
		t.Fatalf("non-matching queue got the policy: %+v", other.cfg)
	}
	// The queue's own arguments stay what the client declared: redeclaring
	// without the policy's arguments is equivalent.
	if _, err := v.DeclareQueue(nil, QueueSpec{Name: "orders.eu"}, false); err != nil {
		t.Fatalf("redeclare: %v", err)
	}
}

func TestQueueArgumentsWinOverPolicyExceptLowerLimits(t *testing.T) {
	_, v := policyBroker(t, Policy{Name: "p", Pattern: regexp.MustCompile(`.*`),
		Args: message.Table{"x-message-ttl": int64(1000), "x-max-length": int64(10), "x-dead-letter-exchange": "policy-dlx"}})
	q, err := v.DeclareQueue(nil, QueueSpec{Name: "q", Args: message.Table{
		"x-message-ttl": int64(5000), "x-max-length": int64(3), "x-dead-letter-exchange": "own-dlx"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	if q.cfg.messageTTL != 1000 || q.cfg.maxLength != 3 || q.cfg.dlx != "own-dlx" {
		t.Fatalf("ttl %d (want the policy's lower 1000), max-length %d (want own lower 3), dlx %q (want own)",
			q.cfg.messageTTL, q.cfg.maxLength, q.cfg.dlx)
	}
}

func TestHighestPriorityPolicyWinsAndVHostRestrictsIt(t *testing.T) {
	_, v := policyBroker(t,
		Policy{Name: "low", Pattern: regexp.MustCompile(`.*`), Priority: 1, Args: message.Table{"x-max-length": int64(1)}},
		Policy{Name: "high", Pattern: regexp.MustCompile(`^a`), Priority: 5, Args: message.Table{"x-max-priority": int64(9)}},
		Policy{Name: "elsewhere", VHost: "other", Pattern: regexp.MustCompile(`.*`), Priority: 9, Args: message.Table{"x-max-length": int64(7)}})
	a, _ := v.DeclareQueue(nil, QueueSpec{Name: "a1"}, false)
	b, _ := v.DeclareQueue(nil, QueueSpec{Name: "b1"}, false)
	if a.PolicyName() != "high" || a.cfg.maxPriority != 9 || a.cfg.maxLength != -1 {
		t.Fatalf("a1: policy %q max-priority %d max-length %d", a.PolicyName(), a.cfg.maxPriority, a.cfg.maxLength)
	}
	if b.PolicyName() != "low" || b.cfg.maxLength != 1 {
		t.Fatalf("b1: policy %q max-length %d", b.PolicyName(), b.cfg.maxLength)
	}
}

func TestPolicyWithInvalidArgumentsIsRefusedAtStart(t *testing.T) {
	_, err := New(Options{Policies: []Policy{{Name: "bad", Pattern: regexp.MustCompile(`.*`), Args: message.Table{"x-max-length": "ten"}}}})
	if err == nil {
		t.Fatal("a policy with x-max-length \"ten\" was accepted")
	}
}
