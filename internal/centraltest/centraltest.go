// Package centraltest builds the real reference server binary (cmd/central)
// and runs it for tests: one build per test binary, a process started with
// the caller's arguments and awaited until it logs "listening", its stderr
// kept, and nothing left running when the test ends.
//
//	bin := centraltest.Binary(t)
//	p := centraltest.Start(t, bin, "-addr", "127.0.0.1:0", "-data", dir)
//	// "http://" + p.Addr ...
//	p.Terminate(t) // SIGTERM, and a clean exit within 20 s
//
// It is for tests only (cmd/central's own tests and central/synctest's kill
// tests); no production package imports it.
package centraltest

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var built struct {
	sync.Once
	path string
	err  error
	out  []byte
}

// Binary builds cmd/central (CGO_ENABLED=0) once per test binary and
// returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	built.Do(func() {
		dir, err := os.MkdirTemp("", "mensakiosk-central-")
		if err != nil {
			built.err = err
			return
		}
		built.path = filepath.Join(dir, "central")
		cmd := exec.Command("go", "build", "-o", built.path, "mensakiosk/cmd/central")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		built.out, built.err = cmd.CombinedOutput()
	})
	if built.err != nil {
		t.Fatalf("go build: %v\n%s", built.err, built.out)
	}
	return built.path
}

// Process is a running cmd/central.
type Process struct {
	Cmd  *exec.Cmd
	Addr string        // the address of its "listening" line
	Done chan struct{} // closed once it has exited and been waited for

	err   error // its exit, set before Done closes
	mu    sync.Mutex
	lines []string
}

// Start runs bin with args and waits (20 s at most) for its "listening"
// log line. A test that fails half-way leaves no server behind: the
// process is killed at cleanup if it still runs.
func Start(t testing.TB, bin string, args ...string) *Process {
	t.Helper()
	cmd := exec.Command(bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &Process{Cmd: cmd, Done: make(chan struct{})}
	t.Cleanup(func() {
		select {
		case <-p.Done:
		default:
			cmd.Process.Kill()
			<-p.Done
		}
	})
	listening := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.mu.Lock()
			p.lines = append(p.lines, sc.Text())
			p.mu.Unlock()
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
				select {
				case listening <- line.Addr:
				default: // the first one only
				}
			}
		}
		_, _ = io.Copy(io.Discard, stderr) // a line too long for the scanner stops it: the rest is drained
		p.err = cmd.Wait()
		close(p.Done)
	}()
	select {
	case p.Addr = <-listening:
	case <-p.Done:
		t.Fatalf("central exited before listening: %v\n%s", p.err, p.Log())
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("central did not log \"listening\" within 20 s:\n%s", p.Log())
	}
	return p
}

// Wait waits for the process to exit and returns what exec.Cmd.Wait said.
func (p *Process) Wait() error {
	<-p.Done
	return p.err
}

// Alive says whether the process still runs.
func (p *Process) Alive() bool {
	select {
	case <-p.Done:
		return false
	default:
		return true
	}
}

// Terminate sends SIGTERM and wants a clean exit within 20 s.
func (p *Process) Terminate(t testing.TB) {
	t.Helper()
	p.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.Done:
		if p.err != nil {
			t.Fatalf("exit after SIGTERM: %v", p.err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no exit after SIGTERM")
	}
}

// Log is what the process has written on stderr so far, a line each.
func (p *Process) Log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.lines, "\n")
}

// NonJSON lists the stderr lines that are not JSON objects (the server
// logs JSON lines only).
func (p *Process) NonJSON() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var bad []string
	for _, l := range p.lines {
		var v map[string]any
		if json.Unmarshal([]byte(l), &v) != nil {
			bad = append(bad, l)
		}
	}
	return bad
}
