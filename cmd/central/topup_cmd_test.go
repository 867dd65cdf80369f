package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/app/pagopa"
	"mensakiosk/central"
	"mensakiosk/central/server"
)

// TestTopUpCommands: a receipts token made offline, a receipt posted with
// it to the running server, then `paid`, `notices` and `invalidate`
// through the admin socket.
func TestTopUpCommands(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	s := openImported(t, dir, server.ImportData{Accounts: []app.Account{{ID: "F1", Holder: "Rossi Mario", HolderFiscalCode: "RSSMRA80A01H501U", Balance: 1000}}})
	var ns []app.Notice
	for _, k := range []string{"a", "b", "c"} {
		n, _, err := s.CreateTopUp("counter", app.TopUpRequest{AccountID: "F1", Amount: 2500, IdempotencyKey: k})
		if err != nil {
			t.Fatal(err)
		}
		ns = append(ns, n)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, string, error) { return runCmd(t, bin, args...) }
	rtok, errOut, err := run("token", "-data", dir, "-receipts", "connector")
	rtok = strings.TrimSpace(rtok)
	if err != nil || rtok == "" || !strings.Contains(errOut, "receipts token") {
		t.Fatalf("token -receipts: %v %q %s", err, rtok, errOut)
	}

	c := start(t, bin, dir)
	defer c.Cmd.Process.Kill()
	body, _ := json.Marshal(app.Receipt{ReceiptID: "R1", NoticeCode: ns[0].NoticeCode, Amount: 2500, PaidAt: time.Now(), PSP: "Banca"})
	req, _ := http.NewRequest(http.MethodPost, "http://"+c.Addr+central.PathReceipts, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+rtok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("receipt: %d %s", resp.StatusCode, data)
	}

	grouped := pagopa.GroupNoticeCode(ns[1].NoticeCode)
	out, errOut, err := run("paid", "-data", dir, "-notice", grouped, "-psp", "Poste")
	if err != nil || !strings.Contains(out, "25,00 € credited to account F1") {
		t.Fatalf("paid: %v %s %s", err, out, errOut)
	}
	if out, _, err := run("paid", "-data", dir, "-notice", ns[1].NoticeCode); err != nil || !strings.Contains(out, "paid") {
		t.Fatalf("paid again (same default receipt id): %v %s", err, out)
	}
	out, errOut, err = run("invalidate", "-data", dir, "-notice", ns[0].NoticeCode, "-reason", "errore")
	if err == nil || !strings.Contains(errOut, "paid") {
		t.Fatalf("invalidate a paid notice: %v %s %s", err, out, errOut)
	}
	if out, _, err := run("invalidate", "-data", dir, "-notice", ns[2].NoticeCode, "-reason", "errore"); err != nil || !strings.Contains(out, "INVALID") {
		t.Fatalf("invalidate: %v %s", err, out)
	}
	if _, errOut, err := run("invalidate", "-data", dir, "-notice", ns[2].NoticeCode); err == nil || !strings.Contains(errOut, "-reason") {
		t.Fatalf("invalidate without a reason: %v %s", err, errOut)
	}
	out, _, err = run("notices", "-data", dir, "-account", "F1")
	if err != nil || strings.Count(out, "PAID") != 2 || strings.Count(out, "INVALID") != 1 || !strings.Contains(out, "3 notices") {
		t.Fatalf("notices: %v\n%s", err, out)
	}
	c.Cmd.Process.Signal(syscall.SIGINT)
	if err := c.Wait(); err != nil {
		t.Fatalf("exit after SIGINT: %v", err)
	}
	// Offline, the balance holds both credits, once each.
	s, err = server.Open(dir, server.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if b, err := s.Balance("F1"); err != nil || b != 1000+2500+2500 {
		t.Fatalf("balance %d %v", b, err)
	}
}

// TestPagoPAConfigFile: the "pagopa" settings of -config reach the server,
// and bad ones stop it before it listens, saying which setting.
func TestPagoPAConfigFile(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(t.TempDir(), "central.json")
	write := func(pp string) {
		t.Helper()
		if err := os.WriteFile(cfg, []byte(`{"addr":"127.0.0.1:0","data":"`+dir+`","pagopa":`+pp+`}`), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for pp, want := range map[string]string{
		`{"creditor":{"fiscal_code":"00000000000","name":"Comune"},"segregation_code":"01"}`:                                  "pagopa.creditor.fiscal_code",
		`{"creditor":{"fiscal_code":"99999000013","name":"Comune"},"segregation_code":"99"}`:                                  "pagopa.segregation_code",
		`{"creditor":{"fiscal_code":"99999000013","name":"Comune"},"segregation_code":"01","min_cents":9000,"max_cents":100}`: "pagopa.min_cents",
		`{"creditor":{"fiscal_code":"99999000013"},"segregation_code":"01"}`:                                                  "pagopa.creditor.name",
		`{"creditor":{"fiscal_code":"99999000013","name":"C"},"segregation":"01"}`:                                            "unknown field",
	} {
		write(pp)
		var o, e bytes.Buffer
		if code := run([]string{"-config", cfg}, &o, &e); code == 0 || !strings.Contains(e.String(), want) {
			t.Errorf("%s: exit %d, %s", pp, code, e.String())
		}
	}
	var c Config
	write(`{"creditor":{"fiscal_code":"77777777777","name":"Comune di Prova","cbill":"AB123"},"segregation_code":"07","due_days":10}`)
	if err := loadConfig(cfg, flag.NewFlagSet("serve", flag.ContinueOnError), &c); err != nil {
		t.Fatal(err)
	}
	if c.PagoPA == nil || c.PagoPA.SegregationCode != "07" || c.PagoPA.Creditor.CBILL != "AB123" || c.PagoPA.DueDays != 10 {
		t.Fatalf("%+v", c.PagoPA)
	}
}
