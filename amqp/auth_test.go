package amqp_test

import (
	"errors"
	"testing"

	amqp091 "github.com/rabbitmq/amqp091-go"

	"github.com/junctionmq/junction/servertest"
)

func TestAMQPLAINLoginAcceptsRightAndRefusesWrongPassword(t *testing.T) {
	b := servertest.Start(t, nil)
	dial := func(pass string) error {
		c, err := amqp091.DialConfig(b.AMQPURL(), amqp091.Config{
			SASL: []amqp091.Authentication{&amqp091.AMQPlainAuth{Username: "guest", Password: pass}},
		})
		if err == nil {
			c.Close()
		}
		return err
	}
	if err := dial("guest"); err != nil {
		t.Fatalf("AMQPLAIN with the right password: %v", err)
	}
	err := dial("nope")
	var ae *amqp091.Error
	if !errors.As(err, &ae) || ae.Code != amqp091.AccessRefused {
		t.Fatalf("AMQPLAIN with a wrong password: %v, want 403 ACCESS_REFUSED", err)
	}
}
