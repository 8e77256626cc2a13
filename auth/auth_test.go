package auth

import (
	"errors"
	"net"
	"testing"
)

func TestHashPasswordRoundTripsAndRejectsWrongPassword(t *testing.T) {
	h := HashPassword("s3cret")
	if !CheckPassword(h, "s3cret") {
		t.Fatal("correct password rejected")
	}
	if CheckPassword(h, "s3cre") || CheckPassword(h, "") {
		t.Fatal("wrong password accepted")
	}
	if h2 := HashPassword("s3cret"); h2 == h {
		t.Fatal("two hashes of the same password share a salt")
	}
}

func TestCheckPasswordAcceptsRabbitMQHashFormat(t *testing.T) {
	// A hash as `rabbitmqctl export_definitions` writes it: salt 0x908dc60a,
	// password "test12".
	salt := []byte{0x90, 0x8d, 0xc6, 0x0a}
	h := hashWithSalt(salt, "test12")
	if !CheckPassword(h, "test12") {
		t.Fatal("hash in RabbitMQ layout rejected")
	}
}

func TestGuestIsLoopbackOnly(t *testing.T) {
	r := NewDefaultRegistry()
	local := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5000}
	remote := &net.TCPAddr{IP: net.IPv4(10, 1, 2, 3), Port: 5000}
	if _, err := r.Authenticate("guest", "guest", local); err != nil {
		t.Fatalf("guest from loopback: %v", err)
	}
	if _, err := r.Authenticate("guest", "guest", remote); !errors.Is(err, ErrAccessRefused) {
		t.Fatalf("guest from 10.1.2.3: got %v, want access refused", err)
	}
	if _, err := r.Authenticate("guest", "wrong", local); !errors.Is(err, ErrAccessRefused) {
		t.Fatalf("wrong password: got %v", err)
	}
	if _, err := r.Authenticate("nobody", "guest", local); !errors.Is(err, ErrAccessRefused) {
		t.Fatalf("unknown user: got %v", err)
	}
}

func TestPermissionPatternsAreRegularExpressions(t *testing.T) {
	r := NewRegistry()
	r.AddVHost("v")
	if err := r.SetPermission(Permission{User: "u", VHost: "v", Configure: "^u-.*", Write: ".*", Read: ""}); err != nil {
		t.Fatal(err)
	}
	p, ok := r.Permission("u", "v")
	if !ok {
		t.Fatal("permission not stored")
	}
	cases := []struct {
		a    Access
		name string
		want bool
	}{
		{Configure, "u-queue", true},
		{Configure, "other", false},
		{Write, "anything", true},
		{Read, "anything", false},
	}
	for _, c := range cases {
		if got := p.Allows(c.a, c.name); got != c.want {
			t.Errorf("%s %q: got %v, want %v", c.a, c.name, got, c.want)
		}
	}
	if err := r.SetPermission(Permission{User: "u", VHost: "v", Configure: "("}); err == nil {
		t.Fatal("invalid regex accepted")
	}
}

func TestDeleteUserRemovesItsPermissions(t *testing.T) {
	r := NewDefaultRegistry()
	if !r.DeleteUser("guest") {
		t.Fatal("guest not deleted")
	}
	if _, ok := r.Permission("guest", "/"); ok {
		t.Fatal("permission survived its user")
	}
	if len(r.Users()) != 0 {
		t.Fatalf("users left: %d", len(r.Users()))
	}
}
