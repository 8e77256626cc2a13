package mgmt

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/junctionmq/junction/auth"
	"github.com/junctionmq/junction/broker"
)

// definitions is RabbitMQ's definitions file: the whole topology with
// users and permissions, as GET /api/definitions exports it and
// rabbitmqctl import_definitions reads it.
type definitions struct {
	RabbitVersion    string           `json:"rabbit_version,omitempty"`
	RabbitMQVersion  string           `json:"rabbitmq_version,omitempty"`
	ProductName      string           `json:"product_name,omitempty"`
	ProductVersion   string           `json:"product_version,omitempty"`
	Users            []userBody       `json:"users,omitempty"`
	VHosts           []defVHost       `json:"vhosts,omitempty"`
	Permissions      []permissionJSON `json:"permissions,omitempty"`
	TopicPermissions []any            `json:"topic_permissions"`
	Parameters       []any            `json:"parameters"`
	GlobalParameters []any            `json:"global_parameters"`
	Policies         []any            `json:"policies"`
	Queues           []defQueue       `json:"queues"`
	Exchanges        []defExchange    `json:"exchanges"`
	Bindings         []defBinding     `json:"bindings"`
}

type defVHost struct {
	Name string `json:"name"`
}

type defQueue struct {
	Name       string         `json:"name"`
	VHost      string         `json:"vhost,omitempty"`
	Durable    bool           `json:"durable"`
	AutoDelete bool           `json:"auto_delete"`
	Arguments  map[string]any `json:"arguments"`
}

type defExchange struct {
	Name       string         `json:"name"`
	VHost      string         `json:"vhost,omitempty"`
	Type       string         `json:"type"`
	Durable    bool           `json:"durable"`
	AutoDelete bool           `json:"auto_delete"`
	Internal   bool           `json:"internal"`
	Arguments  map[string]any `json:"arguments"`
}

type defBinding struct {
	Source          string         `json:"source"`
	VHost           string         `json:"vhost,omitempty"`
	Destination     string         `json:"destination"`
	DestinationType string         `json:"destination_type"`
	RoutingKey      string         `json:"routing_key"`
	Arguments       map[string]any `json:"arguments"`
}

// builtIn reports whether an exchange exists in every vhost.
func builtIn(name string) bool { return name == "" || strings.HasPrefix(name, "amq.") }

// exportVHost adds a vhost's topology; with keepVHost false (a per-vhost
// export) the objects carry no vhost field, as RabbitMQ writes them.
func exportVHost(d *definitions, v *broker.VHost, keepVHost bool) {
	vname := ""
	if keepVHost {
		vname = v.Name()
	}
	for _, x := range v.Exchanges() {
		info := x.Info()
		if builtIn(info.Name) {
			continue
		}
		d.Exchanges = append(d.Exchanges, defExchange{Name: info.Name, VHost: vname, Type: info.Type.String(), Durable: info.Durable,
			AutoDelete: info.AutoDelete, Internal: info.Internal, Arguments: tableJSON(info.Args)})
	}
	for _, q := range v.Queues() {
		spec := q.Spec()
		if spec.Exclusive {
			continue
		}
		d.Queues = append(d.Queues, defQueue{Name: spec.Name, VHost: vname, Durable: spec.Durable, AutoDelete: spec.AutoDelete, Arguments: tableJSON(spec.Args)})
	}
	for _, b := range v.Bindings() {
		// A JMS subscription's selector cannot be written in RabbitMQ's
		// format; its subscriber binds again when it reconnects.
		if b.Filter != nil || (b.Queue != nil && b.Queue.Spec().Exclusive) {
			continue
		}
		d.Bindings = append(d.Bindings, defBinding{Source: b.Source, VHost: vname, Destination: b.DestinationName(),
			DestinationType: b.DestinationKind(), RoutingKey: b.Key, Arguments: tableJSON(b.Args)})
	}
}

func (a *API) exportDefinitions(rq *request) error {
	d := definitions{
		RabbitVersion: Version, RabbitMQVersion: Version, ProductName: "Junction", ProductVersion: a.opts.ProductVersion,
		TopicPermissions: []any{}, Parameters: []any{}, GlobalParameters: []any{}, Policies: []any{},
		Queues: []defQueue{}, Exchanges: []defExchange{}, Bindings: []defBinding{},
	}
	if name := rq.r.PathValue("vhost"); name != "" {
		v, ok := a.b.VHost(name)
		if !ok {
			return errNotFound()
		}
		d.RabbitVersion, d.RabbitMQVersion, d.ProductName, d.ProductVersion = Version, Version, "", ""
		exportVHost(&d, v, false)
		return rq.ok(d)
	}
	users := a.b.Users()
	d.Users = []userBody{}
	for _, u := range users.Users() {
		hash := u.PasswordHash
		tags, _ := json.Marshal(nonNil(u.Tags))
		d.Users = append(d.Users, userBody{Name: u.Name, PasswordHash: &hash, HashingAlgorithm: hashingAlgorithm, Tags: tags})
	}
	d.VHosts = []defVHost{}
	for _, v := range users.VHosts() {
		d.VHosts = append(d.VHosts, defVHost{Name: v})
	}
	d.Permissions = a.permissionsWhere(func(*auth.Permission) bool { return true })
	for _, v := range a.b.VHosts() {
		exportVHost(&d, v, true)
	}
	return rq.ok(d)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// importDefinitions applies a definitions file: vhosts, users and
// permissions first, then exchanges, queues and bindings. Objects that
// exist already are checked for equivalence, as a declare would. Every
// failure is collected and reported; what could be applied stays.
func (a *API) importDefinitions(rq *request) error {
	var d definitions
	if err := rq.decodeBody(&d); err != nil {
		return err
	}
	var errs []error
	only := rq.r.PathValue("vhost")
	if only != "" {
		if _, ok := a.b.VHost(only); !ok {
			return errNotFound()
		}
	} else if err := a.importAccess(&d); err != nil {
		errs = append(errs, err)
	}
	vhostOf := func(v string) string {
		if only != "" {
			return only
		}
		if v == "" {
			return "/"
		}
		return v
	}
	for _, x := range d.Exchanges {
		errs = append(errs, a.importExchange(vhostOf(x.VHost), x))
	}
	for _, q := range d.Queues {
		errs = append(errs, a.importQueue(vhostOf(q.VHost), q))
	}
	for _, b := range d.Bindings {
		errs = append(errs, a.importBinding(vhostOf(b.VHost), b))
	}
	if n := len(d.Parameters) + len(d.Policies) + len(d.GlobalParameters); n > 0 {
		a.log.Warn("definitions import: parameters and policies are not supported; skipped", "count", n)
	}
	if err := errors.Join(errs...); err != nil {
		return errBadRequest(err.Error())
	}
	return rq.noContent()
}

func (a *API) importAccess(d *definitions) error {
	a.accessMu.Lock()
	defer a.accessMu.Unlock()
	var errs []error
	users := a.b.Users()
	for _, v := range d.VHosts {
		a.b.AddVHost(v.Name)
	}
	for _, ub := range d.Users {
		existing, _ := users.User(ub.Name)
		u, err := ub.toUser(existing)
		if err == nil {
			err = users.PutUser(u)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("user %q: %w", ub.Name, err))
		}
	}
	for _, p := range d.Permissions {
		if _, ok := a.b.VHost(p.VHost); !ok {
			errs = append(errs, fmt.Errorf("permission of %q: vhost %q not found", p.User, p.VHost))
			continue
		}
		if err := users.SetPermission(auth.Permission{User: p.User, VHost: p.VHost, Configure: p.Configure, Write: p.Write, Read: p.Read}); err != nil {
			errs = append(errs, err)
		}
	}
	if err := a.saveAccess(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (a *API) importExchange(vhost string, x defExchange) error {
	v, ok := a.b.VHost(vhost)
	if !ok {
		return fmt.Errorf("exchange %q: vhost %q not found", x.Name, vhost)
	}
	if builtIn(x.Name) {
		return nil
	}
	kind, err := broker.ParseExchangeType(x.Type)
	if err != nil {
		return fmt.Errorf("exchange %q: %w", x.Name, err)
	}
	args, err := tableFromJSON(x.Arguments)
	if err != nil {
		return fmt.Errorf("exchange %q: %w", x.Name, err)
	}
	if _, err := v.DeclareExchange(broker.InternalClient(v), broker.ExchangeInfo{Name: x.Name, Type: kind, Durable: x.Durable, AutoDelete: x.AutoDelete, Internal: x.Internal, Args: args}, false); err != nil {
		return fmt.Errorf("exchange %q in vhost %q: %w", x.Name, vhost, err)
	}
	return nil
}

func (a *API) importQueue(vhost string, q defQueue) error {
	v, ok := a.b.VHost(vhost)
	if !ok {
		return fmt.Errorf("queue %q: vhost %q not found", q.Name, vhost)
	}
	args, err := tableFromJSON(q.Arguments)
	if err != nil {
		return fmt.Errorf("queue %q: %w", q.Name, err)
	}
	if _, err := v.DeclareQueue(broker.InternalClient(v), broker.QueueSpec{Name: q.Name, Durable: q.Durable, AutoDelete: q.AutoDelete, Args: args}, false); err != nil {
		return fmt.Errorf("queue %q in vhost %q: %w", q.Name, vhost, err)
	}
	return nil
}

func (a *API) importBinding(vhost string, b defBinding) error {
	v, ok := a.b.VHost(vhost)
	if !ok {
		return fmt.Errorf("binding of %q: vhost %q not found", b.Destination, vhost)
	}
	if b.Source == "" {
		return nil // the default exchange's bindings are implicit
	}
	args, err := tableFromJSON(b.Arguments)
	if err != nil {
		return fmt.Errorf("binding %q -> %q: %w", b.Source, b.Destination, err)
	}
	c := broker.InternalClient(v)
	if b.DestinationType == "exchange" {
		err = v.ExchangeBind(c, b.Destination, b.Source, b.RoutingKey, args)
	} else {
		err = v.QueueBind(c, b.Destination, b.Source, b.RoutingKey, args)
	}
	if err != nil {
		return fmt.Errorf("binding %q -> %q in vhost %q: %w", b.Source, b.Destination, vhost, err)
	}
	return nil
}
