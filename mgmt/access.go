package mgmt

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/junctionmq/junction/auth"
)

// accessFile is the saved form of users, vhosts and permissions. Once the
// API has changed any of them, the whole set is saved and, at the next
// start, replaces what the configuration file says: like RabbitMQ, whose
// configured default user only seeds an empty database.
type accessFile struct {
	Users       []accessUser     `json:"users"`
	VHosts      []string         `json:"vhosts"`
	Permissions []permissionJSON `json:"permissions"`
}

type accessUser struct {
	Name         string   `json:"name"`
	PasswordHash string   `json:"password_hash"`
	Tags         []string `json:"tags"`
	LoopbackOnly bool     `json:"loopback_only,omitempty"`
}

// LoadAccess reads the users, vhosts and permissions saved by the API.
// It returns nil and no error when nothing was saved yet, so the caller
// keeps the configured registry.
func LoadAccess(path string) (*auth.Registry, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read saved users: %w", err)
	}
	var f accessFile
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, fmt.Errorf("decode saved users %s: %w", path, err)
	}
	r := auth.NewRegistry()
	for _, v := range f.VHosts {
		r.AddVHost(v)
	}
	for _, u := range f.Users {
		if err := r.PutUser(auth.User{Name: u.Name, PasswordHash: u.PasswordHash, Tags: u.Tags, LoopbackOnly: u.LoopbackOnly}); err != nil {
			return nil, fmt.Errorf("saved users %s: %w", path, err)
		}
	}
	for _, p := range f.Permissions {
		if err := r.SetPermission(auth.Permission{User: p.User, VHost: p.VHost, Configure: p.Configure, Write: p.Write, Read: p.Read}); err != nil {
			return nil, fmt.Errorf("saved permissions %s: %w", path, err)
		}
	}
	return r, nil
}

// saveAccess writes the registry's users, vhosts and permissions, durably
// (write to a temporary file, fsync, rename, fsync the directory), so a
// crash leaves either the old or the new set. a.accessMu is held.
func (a *API) saveAccess() error {
	path := a.opts.AccessFile
	if path == "" {
		return nil
	}
	r := a.b.Users()
	f := accessFile{VHosts: r.VHosts(), Users: []accessUser{}, Permissions: []permissionJSON{}}
	for _, u := range r.Users() {
		tags := u.Tags
		if tags == nil {
			tags = []string{}
		}
		f.Users = append(f.Users, accessUser{Name: u.Name, PasswordHash: u.PasswordHash, Tags: tags, LoopbackOnly: u.LoopbackOnly})
	}
	for _, p := range r.Permissions() {
		f.Permissions = append(f.Permissions, permissionToJSON(p))
	}
	raw, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("encode users: %w", err)
	}
	if err := writeFileSync(path, raw); err != nil {
		return fmt.Errorf("save users to %s: %w", path, err)
	}
	return nil
}

func writeFileSync(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".access-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
