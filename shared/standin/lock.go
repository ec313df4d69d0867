package standin

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"
)

// ErrInUse reports that a data folder or a port is held by someone else:
// most likely a desk that is already running.
var ErrInUse = errors.New("already in use")

// LockDir takes the lock on the data folder dir (creating it), so that two
// local stacks never share one. The lock is a flock on dir/lock, held until
// release is called or the process ends, however it ends. When another
// process (or another LockDir in this one) holds it, the error wraps
// ErrInUse.
func LockDir(dir string) (release func() error, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("data folder %s: %w", dir, err)
	}
	path := filepath.Join(dir, "lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock the data folder: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("data folder %s is locked (%s): %w", dir, path, ErrInUse)
		}
		return nil, fmt.Errorf("lock the data folder: %w", err)
	}
	return f.Close, nil // closing the file releases the lock
}

// CheckFree reports whether addr (host:port) can be listened on now. A
// port of 0 is always free. When the address is taken, the error wraps
// ErrInUse.
func CheckFree(addr string) error {
	if _, port, err := net.SplitHostPort(addr); err == nil && port == "0" {
		return nil
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("%s: %w", addr, ErrInUse)
		}
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	return l.Close()
}
