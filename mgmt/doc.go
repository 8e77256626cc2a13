// Package mgmt is Junction's management HTTP API and Prometheus endpoint.
//
// The API follows RabbitMQ 3.10's management plugin: the same paths (with
// the vhost "/" written %2F), the same JSON field names and the same user
// tags (administrator, monitoring, management), so that rabbitmqadmin,
// monitoring scripts and client test suites written for RabbitMQ work
// against Junction unchanged. JMS-only objects (durable subscriptions,
// prepared XA transactions) have resources of their own under /api/jms/.
// docs/management.md lists every route and where Junction differs.
//
// /metrics serves Prometheus' exposition format, computed at scrape time
// from the broker's own counters, so nothing is sampled in the background.
package mgmt
