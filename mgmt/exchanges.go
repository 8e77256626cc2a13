package mgmt

import (
	"strings"

	"github.com/junctionmq/junction/broker"
)

// exchangeJSON is an exchange as GET /api/exchanges returns it.
type exchangeJSON struct {
	Name                   string         `json:"name"`
	VHost                  string         `json:"vhost"`
	Type                   string         `json:"type"`
	Durable                bool           `json:"durable"`
	AutoDelete             bool           `json:"auto_delete"`
	Internal               bool           `json:"internal"`
	Arguments              map[string]any `json:"arguments"`
	UserWhoPerformedAction string         `json:"user_who_performed_action"`
	Policy                 *string        `json:"policy"`
}

func exchangeToJSON(v *broker.VHost, x *broker.Exchange) exchangeJSON {
	info := x.Info()
	return exchangeJSON{
		Name: info.Name, VHost: v.Name(), Type: info.Type.String(), Durable: info.Durable, AutoDelete: info.AutoDelete,
		Internal: info.Internal, Arguments: tableJSON(info.Args), UserWhoPerformedAction: "rmq-internal",
	}
}

func (a *API) listExchanges(rq *request) error {
	vhosts, err := rq.visibleVHosts()
	if err != nil {
		return err
	}
	out := []exchangeJSON{}
	for _, v := range vhosts {
		for _, x := range v.Exchanges() {
			out = append(out, exchangeToJSON(v, x))
		}
	}
	return rq.ok(out)
}

// exchange finds the {vhost}/{name} exchange of the path.
func (rq *request) exchange() (*broker.VHost, *broker.Exchange, error) {
	v, ok := rq.api.b.VHost(rq.r.PathValue("vhost"))
	if !ok {
		return nil, nil, errNotFound()
	}
	x, ok := v.Exchange(exchangeName(rq.r.PathValue("name")))
	if !ok {
		return nil, nil, errNotFound()
	}
	return v, x, nil
}

func (a *API) getExchange(rq *request) error {
	v, x, err := rq.exchange()
	if err != nil {
		return err
	}
	return rq.ok(exchangeToJSON(v, x))
}

// exchangeBody is the body of PUT /api/exchanges/{vhost}/{name}.
type exchangeBody struct {
	Type       string         `json:"type"`
	Durable    *bool          `json:"durable"`
	AutoDelete bool           `json:"auto_delete"`
	Internal   bool           `json:"internal"`
	Arguments  map[string]any `json:"arguments"`
}

func (a *API) putExchange(rq *request) error {
	var body exchangeBody
	if err := rq.decodeBody(&body); err != nil {
		return err
	}
	if body.Type == "" {
		body.Type = "direct" // as RabbitMQ 3.10
	}
	kind, err := broker.ParseExchangeType(body.Type)
	if err != nil {
		return errBadRequest(err.Error())
	}
	args, err := tableFromJSON(body.Arguments)
	if err != nil {
		return errBadRequest(err.Error())
	}
	c, v, err := rq.client(rq.r.PathValue("vhost"))
	if err != nil {
		return err
	}
	name := exchangeName(rq.r.PathValue("name"))
	_, existed := v.Exchange(name)
	durable := body.Durable != nil && *body.Durable
	if _, err := v.DeclareExchange(c, broker.ExchangeInfo{Name: name, Type: kind, Durable: durable, AutoDelete: body.AutoDelete, Internal: body.Internal, Args: args}, false); err != nil {
		return err
	}
	return rq.created(!existed)
}

func (a *API) deleteExchange(rq *request) error {
	c, v, err := rq.client(rq.r.PathValue("vhost"))
	if err != nil {
		return err
	}
	name := exchangeName(rq.r.PathValue("name"))
	if _, ok := v.Exchange(name); !ok {
		return errNotFound()
	}
	if name == "" || strings.HasPrefix(name, "amq.") {
		return errUnauthorized("operation not permitted on the default exchange")
	}
	if err := v.DeleteExchange(c, name, rq.boolParam("if-unused")); err != nil {
		return err
	}
	return rq.noContent()
}
