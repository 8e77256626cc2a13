module github.com/junctionmq/junction

go 1.26

require (
	github.com/BurntSushi/toml v1.6.0
	github.com/rabbitmq/amqp091-go v1.16.0
)

require github.com/go-stomp/stomp/v3 v3.1.3
