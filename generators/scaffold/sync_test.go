package scaffold_test

import (
	"bytes"
	"io"
	"sync"

	"github.com/gantry-dev/gantry/cmd/cli/cmdutil"
)

// syncBuffer is a bytes.Buffer the process's output goroutines and the test can share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func ioDiscard() cmdutil.IOStreams {
	return cmdutil.IOStreams{Out: io.Discard, ErrOut: io.Discard}
}
