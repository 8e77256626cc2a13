package connset

import (
	"slices"
	"sync"
	"testing"
)

func TestServeRegistersTheConnectionOnlyWhileServing(t *testing.T) {
	var s Set[string]
	var during []string
	if !s.Serve("a", func(string) { during = s.All() }) {
		t.Fatal("an open set refused a connection")
	}
	if !slices.Equal(during, []string{"a"}) {
		t.Fatalf("while serving: %q, want [a]", during)
	}
	if after := s.All(); len(after) != 0 {
		t.Fatalf("after serving: %q, want none", after)
	}
}

func TestCloseReturnsLiveConnectionsAndRefusesNewOnes(t *testing.T) {
	var s Set[int]
	started := make(chan struct{})
	release := make(chan struct{})
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.Serve(i, func(int) { started <- struct{}{}; <-release })
		}()
	}
	for range 3 {
		<-started
	}
	live := s.Close()
	slices.Sort(live)
	if !slices.Equal(live, []int{0, 1, 2}) {
		t.Fatalf("Close returned %v, want [0 1 2]", live)
	}
	ran := false
	if s.Serve(9, func(int) { ran = true }) || ran {
		t.Fatal("a closed set served a new connection")
	}
	waited := make(chan struct{})
	go func() { s.Wait(); close(waited) }()
	select {
	case <-waited:
		t.Fatal("Wait returned while connections were still served")
	default:
	}
	close(release)
	<-waited
	wg.Wait()
	if n := len(s.All()); n != 0 {
		t.Fatalf("%d connections left after Wait", n)
	}
}

func TestFindReturnsTheMatchingConnection(t *testing.T) {
	var s Set[string]
	s.Serve("outer", func(string) {
		s.Serve("inner", func(string) {
			if got, ok := s.Find(func(c string) bool { return c == "outer" }); !ok || got != "outer" {
				t.Errorf("Find outer: %q %v", got, ok)
			}
			if got, ok := s.Find(func(c string) bool { return c == "none" }); ok || got != "" {
				t.Errorf("Find none: %q %v, want zero and false", got, ok)
			}
		})
	})
}
