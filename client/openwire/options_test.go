package openwire

import (
	"testing"
	"time"
)

func TestParseURLReadsFailoverListAndOptions(t *testing.T) {
	o := defaultOptions()
	urls, err := parseURL("failover:(tcp://a:1?wireFormat.tightEncodingEnabled=false,ssl://b:2)?initialReconnectDelay=100&maxReconnectAttempts=3&randomize=false&jms.clientID=cid", &o)
	if err != nil {
		t.Fatal(err)
	}
	if len(urls) != 2 || urls[0].String() != "tcp://a:1" || urls[1].String() != "ssl://b:2" {
		t.Fatalf("urls %v", urls)
	}
	if !o.failover || o.reconnect.InitialDelay != 100*time.Millisecond || o.reconnect.MaxAttempts != 3 || o.reconnect.Randomize {
		t.Errorf("reconnect policy %+v failover %v", o.reconnect, o.failover)
	}
	if o.prefs.TightEncoding || o.clientID != "cid" {
		t.Errorf("tight %v clientID %q", o.prefs.TightEncoding, o.clientID)
	}
}

func TestParseURLAcceptsUnparenthesisedFailoverAndPlainURLs(t *testing.T) {
	o := defaultOptions()
	urls, err := parseURL("failover:tcp://a:1,tcp://b:2?maxReconnectDelay=5", &o)
	if err != nil || len(urls) != 2 || o.reconnect.MaxDelay != 5*time.Millisecond {
		t.Fatalf("urls %v err %v delay %v", urls, err, o.reconnect.MaxDelay)
	}
	o = defaultOptions()
	urls, err = parseURL("tcp://h:61616?jms.userName=u&jms.password=p&wireFormat.maxInactivityDuration=0", &o)
	if err != nil || len(urls) != 1 || o.failover || o.user != "u" || o.password != "p" || o.prefs.MaxInactivityDuration != 0 {
		t.Fatalf("urls %v err %v options %+v", urls, err, o)
	}
}

func TestParseURLRejectsBadInput(t *testing.T) {
	for _, raw := range []string{
		"failover:(tcp://a:1",
		"failover:()",
		"tcp://h:1?wireFormat.cacheSize=x",
		"failover:(tcp://a:1)?maxReconnectAttempts=many",
	} {
		o := defaultOptions()
		if _, err := parseURL(raw, &o); err == nil {
			t.Errorf("parseURL(%q) succeeded", raw)
		}
	}
}

func TestDestinationStringRoundTrips(t *testing.T) {
	for _, d := range []Destination{Queue("a.b"), Topic("t"), {Kind: TempQueueKind, Name: "ID:x:1"}, {Kind: TempTopicKind, Name: "ID:x:2"}} {
		if got := ParseDestination(d.String()); got != d {
			t.Errorf("ParseDestination(%q) = %v", d.String(), got)
		}
	}
	if got := ParseDestination("plain"); got != Queue("plain") {
		t.Errorf("bare name parsed as %v", got)
	}
}
