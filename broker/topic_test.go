package broker

import (
	"fmt"
	"sort"
	"testing"
)

func topicMatches(keys []string, routingKey string) []string {
	var t topicTrie
	for _, k := range keys {
		t.add(&Binding{Key: k})
	}
	seen := map[string]bool{}
	t.match(routingKey, func(b *Binding) { seen[b.Key] = true })
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestTopicMatchingFollowsAMQPWildcards(t *testing.T) {
	bindings := []string{"#", "*", "a.*", "a.#", "#.c", "a.*.c", "a.b.c", "*.*", "a.#.c", "", "a..c"}
	cases := map[string][]string{
		"":        {"", "#"},
		"a":       {"#", "*", "a.#"},
		"a.b":     {"#", "*.*", "a.#", "a.*"},
		"a.b.c":   {"#", "#.c", "a.#", "a.#.c", "a.*.c", "a.b.c"},
		"a.b.b.c": {"#", "#.c", "a.#", "a.#.c"},
		"x.c":     {"#", "#.c", "*.*"},
		"c":       {"#", "#.c", "*"},
		"a..c":    {"#", "#.c", "a.#", "a.#.c", "a.*.c", "a..c"},
	}
	for key, want := range cases {
		got := topicMatches(bindings, key)
		sort.Strings(want)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("routing key %q: got %v, want %v", key, got, want)
		}
	}
}

func TestTopicTrieRemovePrunesAndKeepsOthers(t *testing.T) {
	var tr topicTrie
	b1 := &Binding{Key: "a.b.c"}
	b2 := &Binding{Key: "a.#"}
	tr.add(b1)
	tr.add(b2)
	tr.remove(b1)
	var got []string
	tr.match("a.b.c", func(b *Binding) { got = append(got, b.Key) })
	if fmt.Sprint(got) != "[a.#]" {
		t.Fatalf("after removing a.b.c: got %v", got)
	}
	tr.remove(b2)
	if len(tr.root.children) != 0 || tr.root.hash != nil || tr.root.star != nil {
		t.Fatalf("trie not pruned: %+v", tr.root)
	}
}

func BenchmarkTopicRoute10kBindings(b *testing.B) {
	var tr topicTrie
	for i := 0; i < 10000; i++ {
		tr.add(&Binding{Key: fmt.Sprintf("stock.%d.*", i)})
	}
	tr.add(&Binding{Key: "stock.#"})
	b.ReportAllocs()
	n := 0
	for i := 0; i < b.N; i++ {
		tr.match("stock.4242.nyse", func(*Binding) { n++ })
	}
	if n != 2*b.N {
		b.Fatalf("matched %d, want %d", n, 2*b.N)
	}
}
