package states

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Store keeps execution records so executions survive a restart, and keeps
// the records of ended executions so the runtime need not hold them in
// memory. Records are opaque JSON documents keyed by execution ARN.
type Store interface {
	// Save keeps the record of a running execution; it is called at every
	// step.
	Save(executionARN string, record []byte) error
	// LoadAll returns the records saved with Save and not yet ended: the
	// executions to resume.
	LoadAll() ([][]byte, error)
	// End keeps the final record of an ended execution, with the
	// description that lists it, in place of its saved record.
	End(info ExecutionInfo, record []byte) error
	// Load returns the final record of an ended execution, or an error
	// wrapping ErrExecutionDoesNotExist.
	Load(executionARN string) ([]byte, error)
	// Ended calls f with the description given to End of every ended
	// execution (Input, Output, Error and Cause left out), in the order
	// they ended, until f returns false.
	Ended(f func(ExecutionInfo) bool) error
}

// FileStore keeps one JSON file per running execution in Dir, each written
// atomically (temporary file, fsync, rename), and the ended executions in
// Dir/ended: one file per execution and an index of their descriptions
// (ended/index.jsonl) for listing.
type FileStore struct {
	Dir string

	mu sync.Mutex // serialises appends to the index
}

var _ Store = (*FileStore)(nil)

// NewFileStore creates dir if needed.
func NewFileStore(dir string) (*FileStore, error) {
	if err := os.MkdirAll(filepath.Join(dir, endedDir), 0o700); err != nil {
		return nil, fmt.Errorf("create state folder: %w", err)
	}
	return &FileStore{Dir: dir}, nil
}

const (
	endedDir   = "ended"
	endedIndex = "index.jsonl"
)

func fileKey(arn string) string {
	sum := sha256.Sum256([]byte(arn))
	return hex.EncodeToString(sum[:12])
}

func (s *FileStore) path(arn string) string {
	return filepath.Join(s.Dir, "execution-"+fileKey(arn)+".json")
}

func (s *FileStore) endedPath(arn string) string {
	return filepath.Join(s.Dir, endedDir, "execution-"+fileKey(arn)+".json")
}

// Save implements Store.
func (s *FileStore) Save(arn string, record []byte) error {
	if err := writeAtomically(s.Dir, s.path(arn), record); err != nil {
		return fmt.Errorf("save execution: %w", err)
	}
	return nil
}

func writeAtomically(dir, path string, data []byte) error {
	f, err := os.CreateTemp(dir, ".tmp-execution-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp, path)
	}
	if werr != nil {
		_ = os.Remove(tmp)
	}
	return werr
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

// indexEntry is one line of ended/index.jsonl.
type indexEntry struct {
	ARN             string    `json:"arn"`
	StateMachineARN string    `json:"stateMachineArn"`
	Name            string    `json:"name"`
	Status          string    `json:"status"`
	StartDate       time.Time `json:"startDate"`
	StopDate        time.Time `json:"stopDate,omitzero"`
	Transitions     int       `json:"transitions"`
}

// End implements Store: the index line first, then the final record, then
// the running record goes. A crash in between leaves the running record,
// which says the execution ended, and Resume ends it again; a repeated
// index line is skipped by Ended.
func (s *FileStore) End(info ExecutionInfo, record []byte) error {
	line, err := json.Marshal(indexEntry{
		ARN: info.ExecutionARN, StateMachineARN: info.StateMachineARN, Name: info.Name,
		Status: info.Status, StartDate: info.StartDate, StopDate: info.StopDate, Transitions: info.Transitions,
	})
	if err != nil {
		return fmt.Errorf("end execution: %w", err)
	}
	s.mu.Lock()
	err = appendLine(filepath.Join(s.Dir, endedDir, endedIndex), line)
	s.mu.Unlock()
	if err == nil {
		err = writeAtomically(filepath.Join(s.Dir, endedDir), s.endedPath(info.ExecutionARN), record)
	}
	if err == nil {
		if rerr := os.Remove(s.path(info.ExecutionARN)); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			err = rerr
		}
	}
	if err != nil {
		return fmt.Errorf("end execution: %w", err)
	}
	return nil
}

func appendLine(path string, line []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	_, werr := f.Write(append(line, '\n'))
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	return werr
}

// Load implements Store.
func (s *FileStore) Load(arn string) ([]byte, error) {
	data, err := os.ReadFile(s.endedPath(arn))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrExecutionDoesNotExist, arn)
	}
	if err != nil {
		return nil, fmt.Errorf("load execution: %w", err)
	}
	return data, nil
}

// Ended implements Store. A line cut short by a crash is skipped.
func (s *FileStore) Ended(f func(ExecutionInfo) bool) error {
	file, err := os.Open(filepath.Join(s.Dir, endedDir, endedIndex))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("list ended executions: %w", err)
	}
	defer file.Close()
	seen := map[string]bool{}
	sc := bufio.NewScanner(file)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var e indexEntry
		if json.Unmarshal(sc.Bytes(), &e) != nil || e.ARN == "" || seen[e.ARN] {
			continue
		}
		seen[e.ARN] = true
		if !f(ExecutionInfo{
			ExecutionARN: e.ARN, StateMachineARN: e.StateMachineARN, Name: e.Name, Status: e.Status,
			StartDate: e.StartDate, StopDate: e.StopDate, Transitions: e.Transitions,
		}) {
			return nil
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("list ended executions: %w", err)
	}
	return nil
}
