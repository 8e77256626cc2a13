// Package durability is Junction's durability suite: for every kind of
// durable state (exchanges, queues and their arguments, bindings,
// persistent messages and their properties, acks, delivery counts, purges,
// deletions, AMQP, STOMP and JMS transactions, JMS durable subscriptions,
// XA prepared transactions) it checks what a broker gives back after a
// restart on the same data directory, twice: after a clean shutdown
// (server.Close, in process) and after kill -9 of a child junction process.
//
// The tests only rely on promises the broker makes: a publisher confirm, a
// transaction commit reply, a STOMP receipt, an OpenWire sync-send response
// and a declare/delete reply each mean "on disk". What has no reply of its
// own (AMQP acks, purges, delivery counts) is made durable before a kill by
// a confirmed publish afterwards (settle), since the store keeps records in
// append order. See README.md.
package durability
