package mgmt

import "github.com/junctionmq/junction/broker"

// vhostJSON is a vhost as GET /api/vhosts returns it.
type vhostJSON struct {
	Name                   string         `json:"name"`
	Description            string         `json:"description"`
	Tags                   []string       `json:"tags"`
	Metadata               map[string]any `json:"metadata"`
	Tracing                bool           `json:"tracing"`
	Messages               int            `json:"messages"`
	MessagesReady          int            `json:"messages_ready"`
	MessagesUnacknowledged int            `json:"messages_unacknowledged"`
}

func vhostToJSON(v *broker.VHost) vhostJSON {
	j := vhostJSON{Name: v.Name(), Tags: []string{}, Metadata: map[string]any{"description": "", "tags": []string{}}}
	for _, q := range v.Queues() {
		ready, unacked, _ := q.Counts()
		j.MessagesReady += ready
		j.MessagesUnacknowledged += unacked
	}
	j.Messages = j.MessagesReady + j.MessagesUnacknowledged
	return j
}

func (a *API) listVHosts(rq *request) error {
	out := []vhostJSON{}
	for _, v := range a.b.VHosts() {
		if rq.canSee(v.Name()) {
			out = append(out, vhostToJSON(v))
		}
	}
	return rq.ok(out)
}

func (a *API) getVHost(rq *request) error {
	v, ok := a.b.VHost(rq.r.PathValue("vhost"))
	if !ok {
		return errNotFound()
	}
	return rq.ok(vhostToJSON(v))
}

func (a *API) putVHost(rq *request) error {
	var body map[string]any
	if err := rq.decodeBody(&body); err != nil {
		return err
	}
	name := rq.r.PathValue("vhost")
	a.accessMu.Lock()
	defer a.accessMu.Unlock()
	_, existed := a.b.VHost(name)
	a.b.AddVHost(name)
	if err := a.saveAccess(); err != nil {
		return err
	}
	return rq.created(!existed)
}

func (a *API) deleteVHost(rq *request) error {
	a.accessMu.Lock()
	defer a.accessMu.Unlock()
	if !a.b.DeleteVHost(rq.r.PathValue("vhost")) {
		return errNotFound()
	}
	if err := a.saveAccess(); err != nil {
		return err
	}
	return rq.noContent()
}
