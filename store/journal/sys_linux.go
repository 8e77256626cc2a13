//go:build linux

package journal

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// fdatasync flushes file data and the metadata needed to read it back
// (size), skipping the timestamps fsync would also write.
func fdatasync(f *os.File) error {
	for {
		err := syscall.Fdatasync(int(f.Fd()))
		if err != syscall.EINTR {
			return err
		}
	}
}

// preallocate reserves size bytes so that appends do not allocate blocks.
// Filesystems without fallocate return an error, which callers ignore.
func preallocate(f *os.File, size int64) error {
	for {
		err := syscall.Fallocate(int(f.Fd()), 0, 0, size)
		if err != syscall.EINTR {
			return err
		}
	}
}

// lockDir takes an exclusive lock on dir/LOCK so that two processes never
// append to the same journal.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "LOCK"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: directory in use by another process: %w", dir, err)
	}
	return f, nil
}
