//go:build !linux

package journal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

func fdatasync(f *os.File) error { return f.Sync() }

func preallocate(*os.File, int64) error { return errors.New("preallocation not supported") }

// lockDir only creates the LOCK file here: exclusion is enforced on Linux.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "LOCK"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	return f, nil
}
