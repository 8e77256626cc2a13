// Package mgmt tests Junction's management HTTP API, /metrics and the
// admin CLI against an in-process broker with real AMQP, STOMP and JMS
// clients connected, checking the JSON RabbitMQ's tools rely on.
package mgmt
