package mgmt

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"

	"github.com/junctionmq/junction/broker"
	"github.com/junctionmq/junction/message"
)

// bindingJSON is a binding as GET /api/bindings returns it.
type bindingJSON struct {
	Source          string         `json:"source"`
	VHost           string         `json:"vhost"`
	Destination     string         `json:"destination"`
	DestinationType string         `json:"destination_type"`
	RoutingKey      string         `json:"routing_key"`
	Arguments       map[string]any `json:"arguments"`
	PropertiesKey   string         `json:"properties_key"`
}

// propertiesKey identifies a binding among those between the same source
// and destination, as RabbitMQ's properties_key does: the routing key,
// "~" for an empty key, and a digest of the arguments when there are any.
func propertiesKey(key string, args message.Table) string {
	if len(args) == 0 {
		if key == "" {
			return "~"
		}
		return key
	}
	h := sha256.New()
	for _, k := range sortedKeys(args) {
		fmt.Fprintf(h, "%q=%#v;", k, args[k])
	}
	return key + "~" + base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:9])
}

func bindingToJSON(vhost string, b *broker.Binding) bindingJSON {
	return bindingJSON{
		Source: b.Source, VHost: vhost, Destination: b.DestinationName(), DestinationType: b.DestinationKind(),
		RoutingKey: b.Key, Arguments: tableJSON(b.Args), PropertiesKey: propertiesKey(b.Key, b.Args),
	}
}

// vhostBindings lists a vhost's bindings as RabbitMQ does: the implicit
// binding of every queue to the default exchange first, then the
// explicit ones.
func vhostBindings(v *broker.VHost) []bindingJSON {
	var out []bindingJSON
	for _, q := range v.Queues() {
		out = append(out, bindingJSON{
			VHost: v.Name(), Destination: q.Name(), DestinationType: "queue", RoutingKey: q.Name(),
			Arguments: map[string]any{}, PropertiesKey: propertiesKey(q.Name(), nil),
		})
	}
	for _, b := range v.Bindings() {
		out = append(out, bindingToJSON(v.Name(), b))
	}
	return out
}

func (a *API) listBindings(rq *request) error {
	vhosts, err := rq.visibleVHosts()
	if err != nil {
		return err
	}
	out := []bindingJSON{}
	for _, v := range vhosts {
		out = append(out, vhostBindings(v)...)
	}
	return rq.ok(out)
}

// filterBindings answers the bindings of the path's vhost that keep says.
func (rq *request) filterBindings(keep func(b bindingJSON) bool) error {
	v, ok := rq.api.b.VHost(rq.r.PathValue("vhost"))
	if !ok {
		return errNotFound()
	}
	out := []bindingJSON{}
	for _, b := range vhostBindings(v) {
		if keep(b) {
			out = append(out, b)
		}
	}
	return rq.ok(out)
}

func (a *API) queueBindings(rq *request) error {
	if _, err := rq.queue(); err != nil {
		return err
	}
	name := rq.r.PathValue("name")
	return rq.filterBindings(func(b bindingJSON) bool { return b.DestinationType == "queue" && b.Destination == name })
}

func (a *API) exchangeBindingsSource(rq *request) error {
	if _, _, err := rq.exchange(); err != nil {
		return err
	}
	name := exchangeName(rq.r.PathValue("name"))
	return rq.filterBindings(func(b bindingJSON) bool { return b.Source == name && name != "" })
}

func (a *API) exchangeBindingsDestination(rq *request) error {
	if _, _, err := rq.exchange(); err != nil {
		return err
	}
	name := exchangeName(rq.r.PathValue("name"))
	return rq.filterBindings(func(b bindingJSON) bool { return b.DestinationType == "exchange" && b.Destination == name })
}

// between reads the source, destination kind and destination of a
// /api/bindings/{vhost}/e/{source}/{q|e}/{dest} path.
func (rq *request) between() (source, destType, dest string, err error) {
	switch rq.r.PathValue("kind") {
	case "q":
		destType = "queue"
	case "e":
		destType = "exchange"
	default:
		return "", "", "", errNotFound()
	}
	return exchangeName(rq.r.PathValue("source")), destType, rq.r.PathValue("dest"), nil
}

func (a *API) listBindingsBetween(rq *request) error {
	source, destType, dest, err := rq.between()
	if err != nil {
		return err
	}
	return rq.filterBindings(func(b bindingJSON) bool {
		return b.Source == source && b.DestinationType == destType && b.Destination == dest
	})
}

func (a *API) getBinding(rq *request) error {
	source, destType, dest, err := rq.between()
	if err != nil {
		return err
	}
	v, ok := a.b.VHost(rq.r.PathValue("vhost"))
	if !ok {
		return errNotFound()
	}
	props := rq.r.PathValue("props")
	for _, b := range vhostBindings(v) {
		if b.Source == source && b.DestinationType == destType && b.Destination == dest && b.PropertiesKey == props {
			return rq.ok(b)
		}
	}
	return errNotFound()
}

// bindingBody is the body of POST /api/bindings/{vhost}/e/{source}/{q|e}/{dest}.
type bindingBody struct {
	RoutingKey string         `json:"routing_key"`
	Arguments  map[string]any `json:"arguments"`
}

func (a *API) postBinding(rq *request) error {
	source, destType, dest, err := rq.between()
	if err != nil {
		return err
	}
	var body bindingBody
	if err := rq.decodeBody(&body); err != nil {
		return err
	}
	args, err := tableFromJSON(body.Arguments)
	if err != nil {
		return errBadRequest(err.Error())
	}
	c, v, err := rq.client(rq.r.PathValue("vhost"))
	if err != nil {
		return err
	}
	if _, ok := v.Exchange(source); !ok {
		return errNotFound()
	}
	if destType == "queue" {
		if _, ok := v.Queue(dest); !ok {
			return errNotFound()
		}
		err = v.QueueBind(c, dest, source, body.RoutingKey, args)
	} else {
		if _, ok := v.Exchange(dest); !ok {
			return errNotFound()
		}
		err = v.ExchangeBind(c, dest, source, body.RoutingKey, args)
	}
	if err != nil {
		return err
	}
	// RabbitMQ answers with where the new binding can be found.
	rq.w.Header().Set("Location", url.PathEscape(propertiesKey(body.RoutingKey, args)))
	rq.w.WriteHeader(http.StatusCreated)
	return nil
}

func (a *API) deleteBinding(rq *request) error {
	source, destType, dest, err := rq.between()
	if err != nil {
		return err
	}
	c, v, err := rq.client(rq.r.PathValue("vhost"))
	if err != nil {
		return err
	}
	props := rq.r.PathValue("props")
	for _, b := range v.Bindings() {
		if b.Source != source || b.DestinationKind() != destType || b.DestinationName() != dest || propertiesKey(b.Key, b.Args) != props {
			continue
		}
		if destType == "queue" {
			err = v.QueueUnbind(c, dest, source, b.Key, b.Args)
		} else {
			err = v.ExchangeUnbind(c, dest, source, b.Key, b.Args)
		}
		if err != nil {
			return err
		}
		return rq.noContent()
	}
	return errNotFound()
}
