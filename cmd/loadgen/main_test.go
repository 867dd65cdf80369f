package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mensakiosk/central/loadgen"
	"mensakiosk/central/server"
)

// The command end to end on a tiny rush: an in-process server, a clean
// run, exit status 0; with -strict and an impossible p99 goal, an error.
func TestLoadgenCommandRuns(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	out := filepath.Join(t.TempDir(), "runs.json")
	args := []string{"-kiosks", "2", "-meals", "2", "-rush", "1s", "-drain", "2s", "-data", t.TempDir()}
	if err := run(append(args, "-json", out), log); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep loadgen.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	if rep.Kiosks != 2 || rep.Served != 4 || !rep.OK() || rep.Endpoints[loadgen.EndpointPull].Requests == 0 {
		t.Fatalf("the JSON report: %s", b)
	}
	err = run(append(args, "-strict", "-p99", "1ns"), log)
	if err == nil || !strings.Contains(err.Error(), "-strict") {
		t.Fatalf("-strict with p99 goal 1ns: %v, want an error", err)
	}
}

// Bad flags are refused before anything runs: a server off loopback, a
// URL without tokens, counts out of bounds.
func TestLoadgenCommandRefusesBadFlags(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-url", "http://192.0.2.1:8700", "-tokens", "x"}, "loopback only"},
		{[]string{"-url", "http://127.0.0.1:8700"}, "needs -tokens"},
		{[]string{"-kiosks", "0"}, "want numbers from 1"},
		{[]string{"-kiosks", "100000"}, "want numbers from 1"},
		{[]string{"-meals", "0"}, "-meals"},
		{[]string{"-rush", "100ms"}, "-rush"},
	} {
		err := run(tc.args, log)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
}

// Against a server given by URL, with the kiosks' tokens from a file: each
// run takes the next tokens and the next pupils, so the second run's meals
// are new pupils' (a pupil served twice would be flagged, and the run not
// clean under -strict).
func TestLoadgenCommandAgainstURL(t *testing.T) {
	url, ks, stop, err := loadgen.Serve(t.TempDir(), 3, 3*2, server.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	var b strings.Builder
	b.WriteString("# kiosk token\n")
	for _, k := range ks {
		fmt.Fprintf(&b, "%s %s\n", k.ID, k.Token)
	}
	tokens := filepath.Join(t.TempDir(), "tokens")
	if err := os.WriteFile(tokens, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	if err := run([]string{"-url", url, "-tokens", tokens, "-kiosks", "2,1", "-meals", "2", "-rush", "1s",
		"-drain", "2s", "-strict", "-p99", "1m"}, log); err != nil {
		t.Fatal(err)
	}
	err = run([]string{"-url", url, "-tokens", tokens, "-kiosks", "2,2", "-meals", "1", "-rush", "1s"}, log)
	if err == nil || !strings.Contains(err.Error(), "holds 3 tokens, the runs need 4") {
		t.Fatalf("runs needing 4 of 3 tokens: %v", err)
	}
}

// -prepare makes a data directory for a server run apart, with the tokens
// file that -url and -tokens then use: every run of -kiosks gets its own
// tokens and pupils.
func TestLoadgenCommandPreparesAServerDirectory(t *testing.T) {
	dir := t.TempDir()
	log := slog.New(slog.DiscardHandler)
	if err := run([]string{"-prepare", dir, "-kiosks", "2,1", "-meals", "2"}, log); err != nil {
		t.Fatal(err)
	}
	srv, err := server.Open(dir, server.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln, nil) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	if err := run([]string{"-url", "http://" + ln.Addr().String(), "-tokens", filepath.Join(dir, "loadgen-tokens"),
		"-kiosks", "2,1", "-meals", "2", "-rush", "1s", "-drain", "2s", "-strict", "-p99", "1m"}, log); err != nil {
		t.Fatal(err)
	}
}
