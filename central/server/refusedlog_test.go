package server

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/app/apptest"
	"mensakiosk/central"
)

// logLines are the JSON lines written to b, decoded.
func logLines(t *testing.T, b *apptest.LogBuffer) []map[string]any {
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b.Bytes()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("not a JSON log line: %q", sc.Text())
		}
		out = append(out, m)
	}
	return out
}

func testCert(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// TestRefusedRequestsLogBounded: a stranger's flood (bad tokens, no token,
// malformed JSON, bad epochs, unknown paths, and plain bytes at the TLS
// port) writes one "requests refused" line per interval with the counts
// by reason and a few escaped examples, not one line per request.
func TestRefusedRequestsLogBounded(t *testing.T) {
	var logBuf apptest.LogBuffer
	s, err := openTest(t, t.TempDir(), Options{Clock: apptest.NewClock(testNow),
		Log: slog.New(slog.NewJSONHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.CreateToken("k1", RoleCanteen)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln, &tls.Config{Certificates: []tls.Certificate{testCert(t)}}) }()
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	base := "https://" + addr

	const rounds = 150
	send := func(method, path, token, body string) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode < 400 || resp.StatusCode >= 500 {
			t.Fatalf("%s %s: %d", method, path, resp.StatusCode)
		}
	}
	for i := range rounds {
		send("GET", central.PathPull, "", "")
		send("GET", central.PathPull, fmt.Sprintf("forged-%d", i), "")
		send("POST", central.PathEvents, tok, `{"epoch":`)
		send("POST", central.PathEvents, tok, `{"epoch":"../../é\u202e","events":[]}`)
		send("GET", "/v1/nowhere\u202e", tok, "")
		// Plain bytes at the TLS port: net/http's "TLS handshake error".
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		_, _ = c.Read(make([]byte, 512))
		c.Close()
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil { // flushes the open window
		t.Fatal(err)
	}
	var refused []map[string]any
	lines := logLines(t, &logBuf)
	for _, l := range lines {
		if l["msg"] == "requests refused" {
			refused = append(refused, l)
		}
	}
	// 900 refusals within one interval (a minute): one line.
	if len(refused) != 1 || len(lines) > 10 {
		t.Fatalf("%d lines in all, %d about refused requests, for %d refusals:\n%s", len(lines), len(refused), 6*rounds, logBuf.String())
	}
	counts := map[string]float64{}
	for _, l := range refused {
		for r, n := range l["by_reason"].(map[string]any) {
			counts[r] += n.(float64)
		}
	}
	want := map[string]float64{"unauthorized": 2 * rounds, "malformed_json": rounds, central.CodeBadID: rounds, "not_found": rounds, "tls_handshake": rounds}
	for r, n := range want {
		if counts[r] != n {
			t.Errorf("reason %s counted %v, want %v (all: %v)", r, counts[r], n, counts)
		}
	}
	if strings.ContainsRune(logBuf.String(), '\u202e') {
		t.Error("a right-to-left override reached the log raw")
	}
	if logBuf.Len() > 8<<10 {
		t.Errorf("%d bytes of log for %d refusals", logBuf.Len(), 6*rounds)
	}
}

// TestPushWarningsLogBounded: a kiosk re-sending one event id with
// another content, again and again, is counted in one "push warnings"
// line, not one line per event.
func TestPushWarningsLogBounded(t *testing.T) {
	var logBuf apptest.LogBuffer
	s, err := openTest(t, t.TempDir(), Options{Clock: apptest.NewClock(testNow),
		Log: slog.New(slog.NewJSONHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		t.Fatal(err)
	}
	mustImport(t, s, fixture())
	if _, err := s.Push("k1", app.PushBatch{Epoch: "E1", Events: []app.OutboxEvent{meal("m1", 1, "k1", "P1")}}); err != nil {
		t.Fatal(err)
	}
	const n = 500
	for i := range n {
		other := meal("m1", uint64(i+2), "k1", "P2") // the same id, another meal
		if _, err := s.Push("k1", app.PushBatch{Epoch: "E1", Events: []app.OutboxEvent{other}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	lines := logLines(t, &logBuf)
	if len(lines) != 1 || lines[0]["msg"] != "push warnings" || lines[0]["count"].(float64) != n {
		t.Fatalf("%d lines for %d warnings:\n%s", len(lines), n, logBuf.String())
	}
}
