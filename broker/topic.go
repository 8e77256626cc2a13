package broker

import "strings"

// topicTrie matches AMQP topic binding keys ("*" one word, "#" zero or more
// words, words separated by ".") against routing keys. Matching walks the
// trie once per routing key, so routing cost follows the key's length and
// the number of wildcard branches, not the number of bindings.
type topicTrie struct {
	root topicNode
}

type topicNode struct {
	children map[string]*topicNode
	star     *topicNode
	hash     *topicNode
	bindings []*Binding
}

// splitTopic splits a key into words. An empty key has no words, which is
// what RabbitMQ does: "#" matches "", "*" does not.
func splitTopic(key string) []string {
	if key == "" {
		return nil
	}
	return strings.Split(key, ".")
}

func (t *topicTrie) add(b *Binding) {
	n := &t.root
	for _, w := range splitTopic(b.Key) {
		n = n.child(w, true)
	}
	n.bindings = append(n.bindings, b)
}

func (t *topicTrie) remove(b *Binding) {
	words := splitTopic(b.Key)
	path := make([]*topicNode, 0, len(words)+1)
	n := &t.root
	path = append(path, n)
	for _, w := range words {
		n = n.child(w, false)
		if n == nil {
			return
		}
		path = append(path, n)
	}
	n.bindings = removeBinding(n.bindings, b)
	// Prune empty nodes bottom-up so a churn of bindings does not leak.
	for i := len(words); i > 0; i-- {
		c := path[i]
		if len(c.bindings) > 0 || c.star != nil || c.hash != nil || len(c.children) > 0 {
			break
		}
		p := path[i-1]
		switch w := words[i-1]; w {
		case "*":
			p.star = nil
		case "#":
			p.hash = nil
		default:
			delete(p.children, w)
		}
	}
}

func (n *topicNode) child(w string, create bool) *topicNode {
	switch w {
	case "*":
		if n.star == nil && create {
			n.star = &topicNode{}
		}
		return n.star
	case "#":
		if n.hash == nil && create {
			n.hash = &topicNode{}
		}
		return n.hash
	}
	c := n.children[w]
	if c == nil && create {
		if n.children == nil {
			n.children = map[string]*topicNode{}
		}
		c = &topicNode{}
		n.children[w] = c
	}
	return c
}

// match calls fn for every binding whose key matches the routing key. A
// binding may be reported more than once (e.g. "#.#"); callers deduplicate
// destinations anyway.
func (t *topicTrie) match(key string, fn func(*Binding)) {
	// Walk the key without allocating a slice of words.
	t.root.match(key, key == "", fn)
}

// match matches rest (the remaining words joined by "."); done means no words
// remain (distinct from one empty word).
func (n *topicNode) match(rest string, done bool, fn func(*Binding)) {
	if n.hash != nil {
		// "#" consumes zero words here ...
		n.hash.match(rest, done, fn)
		// ... or one or more.
		r, d := rest, done
		for !d {
			_, r, d = nextWord(r)
			n.hash.match(r, d, fn)
		}
	}
	if done {
		for _, b := range n.bindings {
			fn(b)
		}
		return
	}
	w, r, d := nextWord(rest)
	if n.star != nil {
		n.star.match(r, d, fn)
	}
	if c := n.children[w]; c != nil {
		c.match(r, d, fn)
	}
}

// nextWord splits off the first word of rest and reports whether nothing
// follows it.
func nextWord(rest string) (word, remaining string, done bool) {
	if i := strings.IndexByte(rest, '.'); i >= 0 {
		return rest[:i], rest[i+1:], false
	}
	return rest, "", true
}

func removeBinding(list []*Binding, b *Binding) []*Binding {
	for i, x := range list {
		if x == b {
			copy(list[i:], list[i+1:])
			list[len(list)-1] = nil
			return list[:len(list)-1]
		}
	}
	return list
}
