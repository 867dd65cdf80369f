package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mensakiosk/app"
	"mensakiosk/central/server"
)

// writeJSONFile writes v as JSON into dir/name and returns its path.
func writeJSONFile(t *testing.T, dir, name string, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// comuneRoster is a roster of two families whose holders' names start
// with prefix, the same ids in every Comune.
func comuneRoster(prefix string) server.ImportData {
	return server.ImportData{
		Accounts: []app.Account{{ID: "A1", Holder: prefix + " Rossi", Balance: 1000}, {ID: "A2", Holder: prefix + " Bianchi", Balance: 500}},
		Pupils: []app.Pupil{{ID: "P1", AccountID: "A1", FirstName: prefix + "Giulia", LastName: "Rossi", MealPrice: 300},
			{ID: "P2", AccountID: "A2", FirstName: prefix + "Sara", LastName: "Bianchi", MealPrice: 300}},
	}
}

// TestServeManyComuni runs the real binary on a settings file naming two
// Comuni: commands need -comune (an unknown one is refused), each Comune
// gets its own roster and tokens, the server routes each kiosk to its
// Comune, and the commands reach each Comune's server through its own
// admin socket while it runs (a revocation in one leaves the other).
func TestServeManyComuni(t *testing.T) {
	bin := binary(t)
	dir, files := t.TempDir(), t.TempDir()
	creditor := func(name, seg string) *server.PagoPAConfig {
		return &server.PagoPAConfig{Creditor: app.Creditor{FiscalCode: server.TestCreditorCF, Name: name}, SegregationCode: seg}
	}
	config := writeJSONFile(t, files, "central.json", map[string]any{
		"addr": "127.0.0.1:0", "data": dir, "log_level": "info", "booking_cutoff": "09:30",
		"comuni": map[string]ComuneConfig{
			"A001": {Name: "Alfa", PagoPA: creditor("Comune di Alfa", "01")},
			"B002": {Name: "Beta", TimeZone: "Europe/Rome", BookingCutoff: "10:00", PagoPA: creditor("Comune di Beta", "02")},
		}})
	rosterA := writeJSONFile(t, files, "a.json", comuneRoster("Alfa"))
	rosterB := writeJSONFile(t, files, "b.json", comuneRoster("Beta"))

	// Several Comuni: a command must name one, a known one.
	if _, errOut, code := runStaff(t, "import", "-config", config, rosterA); code != 2 || !strings.Contains(errOut, "name one with -comune") {
		t.Fatalf("import without -comune: %d %s", code, errOut)
	}
	if _, errOut, code := runStaff(t, "import", "-config", config, "-comune", "Z999", rosterA); code != 2 || !strings.Contains(errOut, "no such Comune") {
		t.Fatalf("import into an unknown Comune: %d %s", code, errOut)
	}
	for code, roster := range map[string]string{"A001": rosterA, "B002": rosterB} {
		if out, errOut, err := runCmd(t, bin, "import", "-config", config, "-comune", code, roster); err != nil || !strings.Contains(out, "4 inserted") {
			t.Fatalf("import into %s: %v %s %s", code, err, out, errOut)
		}
	}
	token := func(code, kiosk string) string {
		t.Helper()
		out, errOut, err := runCmd(t, bin, "token", "-config", config, "-comune", code, "-kiosk", kiosk, "-role", "counter")
		tok := strings.TrimSpace(out)
		if err != nil || !strings.HasPrefix(tok, code+".") {
			t.Fatalf("token in %s: %v %q %s", code, err, out, errOut)
		}
		return tok
	}
	ta, tb := token("A001", "k1"), token("B002", "k1")
	if _, errOut, err := runCmd(t, bin, "-data", dir, "-addr", "127.0.0.1:0"); err == nil || !strings.Contains(errOut, "A001, B002") {
		t.Fatalf("serve without the settings that name the Comuni: %v %s", err, errOut)
	}

	c := start(t, bin, dir, "-config", config)
	for _, x := range []struct{ tok, want string }{{ta, "Alfa"}, {tb, "Beta"}} {
		p, status := pullAll(t, c.Addr, x.tok, "")
		if status != 200 || len(p.Pupils) != 2 {
			t.Errorf("pull: %d, %d pupils", status, len(p.Pupils))
		}
		for _, pu := range p.Pupils {
			if !strings.HasPrefix(pu.FirstName, x.want) {
				t.Errorf("pull with %s's token: pupil %+v", x.want, pu)
			}
		}
	}
	_, rest, _ := strings.Cut(ta, ".")
	if _, status := pullAll(t, c.Addr, "B002."+rest, ""); status != 401 {
		t.Errorf("A's token under B's prefix: %d", status)
	}
	for _, code := range []string{"A001", "B002"} {
		if fi, err := os.Lstat(filepath.Join(dir, "comuni", code, server.AdminSocket)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s's admin socket: %v %v", code, fi, err)
		}
	}
	// While serving, through B's and A's admin sockets.
	if out, _, err := runCmd(t, bin, "kiosks", "-config", config, "-comune", "B002", "-json"); err != nil || !strings.Contains(out, `"kiosk":"k1"`) {
		t.Errorf("kiosks of B while serving: %v %s", err, out)
	}
	if out, errOut, err := runCmd(t, bin, "revoke", "-config", config, "-comune", "A001", "-kiosk", "k1"); err != nil {
		t.Fatalf("revoke in A: %v %s %s", err, out, errOut)
	}
	if _, status := pullAll(t, c.Addr, ta, ""); status != 401 {
		t.Errorf("A's revoked token: %d", status)
	}
	if _, status := pullAll(t, c.Addr, tb, ""); status != 200 {
		t.Errorf("B's k1 after A revoked its k1: %d", status)
	}
	c.Terminate(t)
	for _, code := range []string{"A001", "B002"} {
		if _, err := os.Lstat(filepath.Join(dir, "comuni", code, server.AdminSocket)); err == nil {
			t.Errorf("%s's admin socket left behind", code)
		}
	}
	// Offline, the data directory alone tells the Comuni.
	if out, _, err := runCmd(t, bin, "status", "-data", dir, "-comune", "B002"); err != nil || !strings.Contains(out, `"pupils": 2`) {
		t.Errorf("status of B offline: %v %s", err, out)
	}
	if _, errOut, code := runStaff(t, "status", "-data", dir); code != 2 || !strings.Contains(errOut, "A001, B002") {
		t.Errorf("status of a service of two without -comune: %d %s", code, errOut)
	}
}

// TestComuneSettings: the settings of many Comuni, as applyComune reads
// them: a Comune's own time zone, cut-off and creditor over the top-level
// defaults; the only Comune needs no -comune; a service of one Comune
// refuses -comune; a top-level "pagopa" beside "comuni" and a code with a
// '.' are refused.
func TestComuneSettings(t *testing.T) {
	data := t.TempDir()
	pp := &server.PagoPAConfig{SegregationCode: "07"}
	cfg := Config{Data: data, TimeZone: "Europe/Rome", BookingCutoff: "09:30",
		Comuni: map[string]ComuneConfig{"A001": {BookingCutoff: "10:15", PagoPA: pp}, "B002": {}}}
	c := cfg
	code, err := applyComune(&c, "A001")
	if err != nil || code != "A001" || c.Data != filepath.Join(data, "comuni", "A001") || c.BookingCutoff != "10:15" ||
		c.TimeZone != "Europe/Rome" || c.PagoPA != pp || c.Comuni != nil {
		t.Errorf("A001: %q %v %+v", code, err, c)
	}
	opts, err := comuneOptions(c, code)
	if err != nil || opts.Comune != "A001" || opts.BookingCutoff != "10:15" || opts.PagoPA != pp {
		t.Errorf("A001's options: %+v %v", opts, err)
	}
	c = cfg
	if code, err := applyComune(&c, "B002"); err != nil || code != "B002" || c.BookingCutoff != "09:30" || c.PagoPA != nil {
		t.Errorf("B002: %q %v %+v", code, err, c)
	}
	for _, bad := range []string{"", "C003"} {
		c = cfg
		var ue usageError
		if _, err := applyComune(&c, bad); !errors.As(err, &ue) {
			t.Errorf("-comune %q of two: %v", bad, err)
		}
	}
	one := Config{Data: data, Comuni: map[string]ComuneConfig{"H501": {}}}
	if code, err := applyComune(&one, ""); err != nil || code != "H501" {
		t.Errorf("the only Comune without -comune: %q %v", code, err)
	}
	single := Config{Data: t.TempDir()}
	if code, err := applyComune(&single, ""); err != nil || code != "" || single.Data == "" {
		t.Errorf("one Comune, no -comune: %q %v", code, err)
	}
	if _, err := applyComune(&single, "A001"); err == nil {
		t.Error("-comune in a service of one Comune was taken")
	}
	for _, bad := range []Config{
		{Data: data, PagoPA: pp, Comuni: map[string]ComuneConfig{"A001": {}}},
		{Data: data, Comuni: map[string]ComuneConfig{"A.01": {}}},
	} {
		if _, err := applyComune(&bad, ""); err == nil {
			t.Errorf("settings %+v taken", bad)
		}
	}
	// A service's directory with Comuni in it, and no settings naming them.
	for _, code := range []string{"B002", "A001"} {
		if err := os.MkdirAll(filepath.Join(data, "comuni", code), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := oneComuneData(Config{Data: data}); err == nil || !strings.Contains(err.Error(), "A001, B002") {
		t.Errorf("serving a directory of two Comuni as one: %v", err)
	}
}
