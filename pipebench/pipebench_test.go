package pipebench

import (
	"bytes"
	"strings"
	"testing"
)

func TestChildPushesEachRoundThroughAndAnswersDone(t *testing.T) {
	var out bytes.Buffer
	var sent []int
	received := 0
	inFlight := make(chan int, Window*2)
	send := func(i int) error { sent = append(sent, i); inFlight <- i; return nil }
	consume := func(n int, slots <-chan struct{}) error {
		for range n {
			<-inFlight
			received++
			<-slots
		}
		return nil
	}
	if err := Child(strings.NewReader("3\n1200\n"), &out, send, consume); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "ready\ndone 3\ndone 1200\n"; got != want {
		t.Fatalf("child said %q, want %q", got, want)
	}
	if len(sent) != 1203 || sent[2] != 2 || sent[3] != 0 || sent[1202] != 1199 || received != 1203 {
		t.Fatalf("sent %d (indexes restart per round), received %d; want 1203 each", len(sent), received)
	}
}

func TestChildRefusesAMalformedCount(t *testing.T) {
	err := Child(strings.NewReader("many\n"), &bytes.Buffer{}, func(int) error { return nil },
		func(int, <-chan struct{}) error { return nil })
	if err == nil || !strings.Contains(err.Error(), `"many"`) {
		t.Fatalf("Child with count \"many\": %v, want an error quoting it", err)
	}
}
