package states

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Store keeps execution records so executions survive a restart. Records
// are opaque JSON documents keyed by execution ARN.
type Store interface {
	Save(executionARN string, record []byte) error
	LoadAll() ([][]byte, error)
}

// FileStore keeps one JSON file per execution in Dir, each written
// atomically (temporary file, fsync, rename).
type FileStore struct {
	Dir string
}

var _ Store = (*FileStore)(nil)

// NewFileStore creates dir if needed.
func NewFileStore(dir string) (*FileStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create state folder: %w", err)
	}
	return &FileStore{Dir: dir}, nil
}

func (s *FileStore) path(arn string) string {
	sum := sha256.Sum256([]byte(arn))
	return filepath.Join(s.Dir, "execution-"+hex.EncodeToString(sum[:12])+".json")
}

// Save implements Store.
func (s *FileStore) Save(arn string, record []byte) error {
	f, err := os.CreateTemp(s.Dir, ".tmp-execution-*")
	if err != nil {
		return fmt.Errorf("save execution: %w", err)
	}
	tmp := f.Name()
	_, werr := f.Write(record)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp, s.path(arn))
	}
	if werr != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("save execution: %w", werr)
	}
	return nil
}

// LoadAll implements Store.
func (s *FileStore) LoadAll() ([][]byte, error) {
	entries, err := os.ReadDir(s.Dir)
	if err != nil {
		return nil, fmt.Errorf("load executions: %w", err)
	}
	var out [][]byte
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasPrefix(name, "execution-") || !strings.HasSuffix(name, ".json") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(s.Dir, name))
		if err != nil {
			return nil, fmt.Errorf("load executions: %w", err)
		}
		out = append(out, data)
	}
	return out, nil
}
