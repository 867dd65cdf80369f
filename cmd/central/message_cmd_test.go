package main

import (
	"strings"
	"syscall"
	"testing"

	"mensakiosk/app"
	"mensakiosk/central/server"
)

// TestMessageCommands: `central message` to a family offline, then to a
// class and to everyone through the running server's admin socket;
// `central messages` lists them; a bad audience or link is refused
// before anything is opened.
func TestMessageCommands(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	s := openImported(t, dir, server.ImportData{Accounts: []app.Account{{ID: "F1", Holder: "Rossi Mario", Balance: 1000}}})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, string, error) { return runCmd(t, bin, args...) }
	if out, errOut, err := run("message", "-data", dir, "-to", "family:F1", "-title", "Saldo basso", "-body", "Ricaricate entro venerdì"); err != nil || !strings.Contains(out, "sent to family:F1") {
		t.Fatalf("message offline: %v %s %s", err, out, errOut)
	}
	for _, bad := range [][]string{
		{"-to", "planet:X", "-title", "x"},
		{"-to", "all", "-title", "x", "-url", "ftp://x"},
		{"-to", "class:Rodari", "-title", "x"},
		{"-to", "all"},
	} {
		if _, errOut, err := run(append([]string{"message", "-data", dir}, bad...)...); err == nil || errOut == "" {
			t.Errorf("%q accepted: %s", bad, errOut)
		}
	}
	if _, errOut, err := run("message", "-data", dir, "-to", "family:NOPE", "-title", "x"); err == nil || !strings.Contains(errOut, "NOPE") {
		t.Errorf("unknown family accepted: %s", errOut)
	}

	c := start(t, bin, dir)
	defer c.Cmd.Process.Kill()
	if out, errOut, err := run("message", "-data", dir, "-to", "class:Rodari/3A", "-title", "Gita", "-url", "https://comune.example.it/gita"); err != nil || !strings.Contains(out, "sent to class:Rodari/3A") {
		t.Fatalf("message through the socket: %v %s %s", err, out, errOut)
	}
	if _, _, err := run("message", "-data", dir, "-to", "all", "-title", "Attestazioni 730"); err != nil {
		t.Fatal(err)
	}
	out, _, err := run("messages", "-data", dir)
	if err != nil || !strings.Contains(out, "3 messages") || strings.Index(out, "Attestazioni") > strings.Index(out, "Saldo basso") {
		t.Fatalf("messages: %v\n%s", err, out)
	}
	c.Cmd.Process.Signal(syscall.SIGINT)
	if err := c.Wait(); err != nil {
		t.Fatalf("exit after SIGINT: %v", err)
	}
}
