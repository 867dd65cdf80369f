package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/central"
	"mensakiosk/central/gpd"
	"mensakiosk/central/gpdsim"
	"mensakiosk/central/server"
	"mensakiosk/internal/centraltest"
)

// TestServeWithGPD: the real binary configured with the GPD simulator by
// its -config file, which the administration commands take as well: a
// top-up is published, paid on "pagoPA", read back by the server's own
// poll and credited once; the office's withdrawal reaches GPD; status
// says notices are payable; the subscription key is in no output.
func TestServeWithGPD(t *testing.T) {
	bin := binary(t)
	const key = "cmd-test-KEY-9a8b7c6d5e"
	sim := gpdsim.New(key, nil)
	hs := httptest.NewServer(sim)
	t.Cleanup(hs.Close)

	cfgDir := t.TempDir()
	dir := filepath.Join(t.TempDir(), "data")
	keyFile := filepath.Join(cfgDir, "gpd.key")
	if err := os.WriteFile(keyFile, []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(cfgDir, "central.json")
	conf := `{"addr":"127.0.0.1:0","data":"` + dir + `","pagopa":{"creditor":{"fiscal_code":"99999000013","name":"Comune di Esempio"},"segregation_code":"01",` +
		`"gpd":{"url":"` + hs.URL + `/gpd/debt-positions-service/v1","subscription_key_file":"` + keyFile + `","iban":"IT60X0542811101000000123456","category":"9/0101108TS/","switch_to_expired":true,"poll_seconds":1}}}`
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	var outputs bytes.Buffer
	run := func(args ...string) string {
		t.Helper()
		var o, e bytes.Buffer
		cmd := exec.Command(bin, args...)
		cmd.Stdout, cmd.Stderr = &o, &e
		if err := cmd.Run(); err != nil {
			t.Fatalf("central %v: %v\n%s%s", args, err, o.String(), e.String())
		}
		outputs.Write(o.Bytes())
		outputs.Write(e.Bytes())
		return o.String()
	}
	roster, _ := json.Marshal(server.ImportData{Accounts: []app.Account{{ID: "F1", Holder: "Rossi Mario", HolderFiscalCode: "RSSMRA80A01H501U", Balance: 1000}}})
	rf := filepath.Join(cfgDir, "roster.json")
	if err := os.WriteFile(rf, roster, 0o600); err != nil {
		t.Fatal(err)
	}
	// No -data: the commands take the data directory from -config.
	run("import", "-config", cfg, rf)
	tok := strings.TrimSpace(run("token", "-config", cfg, "-kiosk", "sportello", "-role", "counter"))

	c := centraltest.Start(t, bin, "-config", cfg, "-log-level", "info")
	base := "http://" + c.Addr
	do := func(method, path string, body []byte) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		outputs.Write(b.Bytes())
		return resp.StatusCode, b.Bytes()
	}
	topUp := func(k string) app.Notice {
		st, body := do(http.MethodPost, central.PathTopUps, []byte(`{"account_id":"F1","amount":2500,"idempotency_key":"`+k+`"}`))
		var n app.Notice
		if st != http.StatusCreated || json.Unmarshal(body, &n) != nil || n.Publication != "" {
			t.Fatalf("top-up: %d %s: want 201, payable", st, body)
		}
		return n
	}
	n := topUp("k1")
	other := topUp("k2")
	if err := sim.Pay("99999000013", n.NoticeCode, "Banca Esempio", "R-CMD-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, body := do(http.MethodGet, central.PathNotices+n.NoticeCode, nil)
		var cur app.Notice
		_ = json.Unmarshal(body, &cur)
		if cur.State == app.NoticePaid {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the payment was not read back: %s", body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	out := run("invalidate", "-config", cfg, "-notice", other.NoticeCode, "-reason", "test")
	if !strings.Contains(out, "INVALID") {
		t.Errorf("invalidate: %s", out)
	}
	deadline = time.Now().Add(10 * time.Second)
	for {
		p, _, _ := sim.Position("99999000013", other.IUPD)
		if p.Status == gpd.StatusInvalid {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the withdrawal did not reach GPD: %s", p.Status)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// GPD down: the third top-up is not payable, and the office sees it.
	sim.FailNext("create", 1000, http.StatusServiceUnavailable, 0)
	if st, body := do(http.MethodPost, central.PathTopUps, []byte(`{"account_id":"F1","amount":1000,"idempotency_key":"k3"}`)); st != http.StatusCreated || !strings.Contains(string(body), `"publication":"preparing"`) {
		t.Errorf("top-up with GPD down: %d %s", st, body)
	}
	if out := run("notices", "-config", cfg, "-account", "F1"); !strings.Contains(out, "R-CMD-1") || !strings.Contains(out, "INVALID") || strings.Count(out, "NOT PAYABLE: pagoPA") != 1 {
		t.Errorf("notices: %s", out)
	}
	status := run("status", "-config", cfg)
	if !strings.Contains(status, "payable: notices are published on pagoPA GPD") {
		t.Errorf("status: %s", status)
	}
	_ = c.Cmd.Process.Signal(syscall.SIGTERM)
	_ = c.Wait()
	for _, l := range c.NonJSON() {
		t.Errorf("non-JSON log line %q", l)
	}
	if sim.Count() != 2 {
		t.Errorf("%d positions on GPD, want 2", sim.Count())
	}
	all := c.Log() + "\n" + outputs.String()
	if !strings.Contains(all, "pagoPA GPD: publishing notices and reading payments") || !strings.Contains(all, "notice paid") {
		t.Errorf("log lacks the GPD lines:\n%s", all)
	}
	if strings.Contains(all, key) || strings.Contains(all, "KEY-9a8b7c6d5e") {
		t.Error("the subscription key appears in the output")
	}
	s := openData(t, dir)
	defer s.Close()
	if b, _ := s.Balance("F1"); b != 1000+2500 {
		t.Errorf("balance %d, want 3500", b)
	}
}
