package standin

import (
	"context"
	"net"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLockDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	release, err := LockDir(dir)
	require.NoError(t, err, "the folder is created and locked")

	_, err = LockDir(dir)
	require.ErrorIs(t, err, ErrInUse, "a second stack on the same folder is refused")
	assert.Contains(t, err.Error(), dir)

	require.NoError(t, release())
	again, err := LockDir(dir)
	require.NoError(t, err, "once released, the folder can be locked again")
	require.NoError(t, again())
}

func TestCheckFree(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()

	err = CheckFree(l.Addr().String())
	require.ErrorIs(t, err, ErrInUse)
	assert.Contains(t, err.Error(), l.Addr().String())
	assert.NoError(t, CheckFree("127.0.0.1:0"), "port 0 picks a free port")
}

// TestStartOnATakenPort: a stand-in never passes off whatever already
// answers on its port as itself.
func TestStartOnATakenPort(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port

	_, err = StartSES(context.Background(), Options{Port: port})
	require.ErrorIs(t, err, ErrInUse)
	assert.Contains(t, err.Error(), "127.0.0.1:"+strconv.Itoa(port))
}
