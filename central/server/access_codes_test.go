package server

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	"mensakiosk/central/server/kv"

	"mensakiosk/app"
	"mensakiosk/app/apptest"
	"mensakiosk/central/pinhash"
)

// countingHasher is pinhash.HashAccessCode, counting its calls and
// remembering the codes it hashed.
type countingHasher struct {
	mu    sync.Mutex
	codes []string
}

func (c *countingHasher) hash(code string) (string, error) {
	c.mu.Lock()
	c.codes = append(c.codes, code)
	c.mu.Unlock()
	return pinhash.HashAccessCode(code)
}

// take returns the codes hashed since the last take, sorted.
func (c *countingHasher) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.codes
	c.codes = nil
	slices.Sort(out)
	return out
}

func accountsCSV(codes map[string]string) []ImportFile {
	var b strings.Builder
	b.WriteString("id;holder;balance;access_code\n")
	ids := make([]string, 0, len(codes))
	for id := range codes {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		b.WriteString(id + ";Famiglia " + id + ";10,00;" + codes[id] + "\n")
	}
	return []ImportFile{{Name: "accounts.csv", Data: []byte(b.String())}}
}

func accessHashes(t *testing.T, s *Server) map[app.AccountID]string {
	t.Helper()
	out := map[app.AccountID]string{}
	for _, a := range pullAllDirect(t, s).Accounts {
		out[a.ID] = a.AccessHash
	}
	return out
}

// TestAccessCodeRehashOnlyChanged: an import hashes only the access codes
// that changed (the keyed fingerprint tells an unchanged code without a
// bcrypt), also after a restart; a hash replaced by an imported
// access_hash is not taken for the code's.
func TestAccessCodeRehashOnlyChanged(t *testing.T) {
	dir := t.TempDir()
	s, err := openTest(t, dir, Options{Clock: apptest.NewClock(testNow)})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.Close() }()
	h := &countingHasher{}
	s.access.hash = h.hash
	codes := map[string]string{"A1": "4821093375", "A2": "1100223344", "A3": "9988776655", "A4": "5647382910", "A5": "0192837465"}
	if _, err := s.ImportFiles(accountsCSV(codes)); err != nil {
		t.Fatal(err)
	}
	if got := h.take(); len(got) != 5 {
		t.Fatalf("first import hashed %d codes, want 5", len(got))
	}
	first := accessHashes(t, s)
	for id, code := range codes {
		if c, _ := bcrypt.Cost([]byte(first[app.AccountID(id)])); c != pinhash.AccessCodeCost || !pinhash.Verify(first[app.AccountID(id)], code) {
			t.Fatalf("%s: hash %q of cost %d", id, first[app.AccountID(id)], c)
		}
	}

	// Unchanged: nothing hashed, nothing written.
	st, err := s.ImportFiles(accountsCSV(codes))
	if err != nil || st.Unchanged != 5 || st.Updated+st.Inserted != 0 {
		t.Fatalf("unchanged re-import: %+v %v", st, err)
	}
	if got := h.take(); len(got) != 0 {
		t.Fatalf("an unchanged re-import hashed %d codes", len(got))
	}

	// One code changed: exactly that one is hashed; the others keep
	// their hash byte for byte.
	codes["A3"] = "3141592653"
	st, err = s.ImportFiles(accountsCSV(codes))
	if err != nil || st.Updated != 1 || st.Unchanged != 4 {
		t.Fatalf("one changed code: %+v %v", st, err)
	}
	if got := h.take(); !slices.Equal(got, []string{"3141592653"}) {
		t.Fatalf("hashed %d codes (%v), want only A3's new one", len(got), len(got) == 1)
	}
	second := accessHashes(t, s)
	for id := range codes {
		a := app.AccountID(id)
		if (second[a] != first[a]) != (id == "A3") {
			t.Errorf("%s: hash changed %v", id, second[a] != first[a])
		}
	}
	if !pinhash.Verify(second["A3"], "3141592653") || pinhash.Verify(second["A3"], "9988776655") {
		t.Fatal("A3's new hash does not verify its new code only")
	}

	// A hash imported as such (here of another code) has no fingerprint:
	// importing A2's code again hashes it, and the hash is the code's.
	other, _ := pinhash.HashAccessCode("7777777777")
	if _, err := s.ImportFiles([]ImportFile{{Name: "accounts.csv", Data: []byte("id;holder;balance;access_hash\nA2;Famiglia A2;10,00;" + other + "\n")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ImportFiles(accountsCSV(codes)); err != nil {
		t.Fatal(err)
	}
	if got := h.take(); !slices.Equal(got, []string{"1100223344"}) {
		t.Fatalf("after an imported access_hash: hashed %d codes, want A2's", len(got))
	}
	if a2 := accessHashes(t, s)["A2"]; !pinhash.Verify(a2, "1100223344") {
		t.Fatal("A2 kept the imported hash of another code")
	}

	// After a restart the key is read back: still nothing to hash.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = openTest(t, dir, Options{Clock: apptest.NewClock(testNow)}); err != nil {
		t.Fatal(err)
	}
	s.access.hash = h.hash
	if st, err := s.ImportFiles(accountsCSV(codes)); err != nil || st.Unchanged != 5 {
		t.Fatalf("re-import after a restart: %+v %v", st, err)
	}
	if got := h.take(); len(got) != 0 {
		t.Fatalf("a re-import after a restart hashed %d codes", len(got))
	}

	// The key: its own file, 0600, 32 bytes, not in central.db.
	key, err := os.ReadFile(filepath.Join(dir, AccessKeyFile))
	if err != nil || len(key) != accessKeyLen {
		t.Fatalf("key file: %d bytes, %v", len(key), err)
	}
	if fi, _ := os.Stat(filepath.Join(dir, AccessKeyFile)); fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v", fi.Mode().Perm())
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if storeHolds(t, dir, key) { // teststore_test.go
		t.Fatal("the database holds the fingerprint key")
	}
}

// TestAccessKeyNeverSent: neither the fingerprint key nor any fingerprint
// is in what the server sends a kiosk (every pull page, the family view);
// the kiosk gets only the slow hash.
func TestAccessKeyNeverSent(t *testing.T) {
	e := newEnv(t)
	codes := map[string]string{"A1": "4821093375", "A2": "1100223344"}
	if _, err := e.s.ImportFiles(accountsCSV(codes)); err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile(filepath.Join(e.dir, AccessKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	secrets := [][]byte{key}
	if err := e.s.db.View(func(tx kv.Tx) error {
		return tx.Bucket(bAccessFP).ForEach(func(_, fp []byte) error {
			secrets = append(secrets, bytes.Clone(fp))
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	if len(secrets) != 3 {
		t.Fatalf("%d fingerprints stored, want 2", len(secrets)-1)
	}
	tok := e.token("k")
	var replies [][]byte
	for cursor, more := "", true; more; {
		code, body, _ := e.do(http.MethodGet, pullPath(cursor, 1, ""), tok, nil)
		if code != http.StatusOK {
			t.Fatalf("pull: %d %s", code, body)
		}
		replies = append(replies, body)
		p := e.pull(tok, cursor, 1, "")
		cursor, more = p.Cursor, p.More
	}
	code, body, _ := e.do(http.MethodGet, "/v1/families/A1?from=2025-03-01&to=2025-03-31", tok, nil)
	if code != http.StatusOK {
		t.Fatalf("family view: %d %s", code, body)
	}
	replies = append(replies, body)
	hashes := 0
	for _, r := range replies {
		for _, sec := range secrets {
			for _, enc := range []string{string(sec), hex.EncodeToString(sec), base64.StdEncoding.EncodeToString(sec),
				base64.RawStdEncoding.EncodeToString(sec), base64.RawURLEncoding.EncodeToString(sec)} {
				if bytes.Contains(r, []byte(enc)) {
					t.Fatalf("a reply carries the fingerprint key or a fingerprint:\n%s", r)
				}
			}
		}
		hashes += bytes.Count(r, []byte(`"access_hash":"$2a$05$`))
	}
	if hashes != 2 {
		t.Fatalf("the pull carried %d access hashes, want the 2 slow hashes", hashes)
	}
}

// TestAccessCodeAdviceLogged: one warning line per import counts the
// codes shorter than recommended and those the counter's keypad cannot
// type, without naming any code.
func TestAccessCodeAdviceLogged(t *testing.T) {
	var buf bytes.Buffer
	s, err := openTest(t, t.TempDir(), Options{Clock: apptest.NewClock(testNow), Log: slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{} // digits that could match a code by chance
			}
			return a
		}}))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	codes := map[string]string{"A1": "482913", "A2": "K7RM42", "A3": "4821093375", "A4": "1234567890123", "A5": "1100223344"}
	if _, err := s.ImportFiles(accountsCSV(codes)); err != nil {
		t.Fatal(err)
	}
	var lines []map[string]any
	for _, l := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if m["msg"] == "import: access codes to re-issue" {
			lines = append(lines, m)
		}
	}
	if len(lines) != 1 || lines[0]["shorter_than_recommended"] != 1.0 || lines[0]["not_typeable_at_counter"] != 2.0 || lines[0]["codes"] != 5.0 {
		t.Fatalf("advice lines %v", lines)
	}
	for _, code := range codes {
		if bytes.Contains(buf.Bytes(), []byte(code)) {
			t.Fatalf("the log names an access code")
		}
	}
}

// TestAccessCodeStoreChangedMeanwhile: codes are hashed before the write
// transaction; should another import change a code in between, the
// transaction still stores a hash of the code it imports.
func TestAccessCodeStoreChangedMeanwhile(t *testing.T) {
	s := openTemp(t)
	h := &countingHasher{}
	s.access.hash = h.hash
	parse := func(codes map[string]string) ImportData {
		d, err := ParseImportFiles(accountsCSV(codes))
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	mustImport(t, s, parse(map[string]string{"A1": "4821093375", "A2": "1100223344"}))
	h.take()
	// Prepared while A1's code is stored: nothing to hash.
	d := parse(map[string]string{"A1": "4821093375", "A2": "5555666677"})
	prep, err := s.prepareAccessCodes(&d)
	if err != nil {
		t.Fatal(err)
	}
	if got := h.take(); !slices.Equal(got, []string{"5555666677"}) {
		t.Fatalf("prepared %v", got)
	}
	// Meanwhile another import changes both codes.
	mustImport(t, s, parse(map[string]string{"A1": "9999000011", "A2": "8888000022"}))
	h.take()
	d.access = prep
	var st ImportStats
	if err := s.db.Update(func(tx kv.Tx) error { st = ImportStats{}; return s.importTx(tx, &d, &st) }); err != nil {
		t.Fatal(err)
	}
	// A1's alone (once per run of the transaction: a store may run it
	// again after a conflict).
	if got := h.take(); len(got) == 0 || slices.ContainsFunc(got, func(c string) bool { return c != "4821093375" }) {
		t.Fatalf("hashed in the transaction %d codes, want A1's alone", len(got))
	}
	hs := accessHashes(t, s)
	if !pinhash.Verify(hs["A1"], "4821093375") || !pinhash.Verify(hs["A2"], "5555666677") {
		t.Fatal("the stored hashes are not of the imported codes")
	}
	// And the fingerprints recorded are right: a re-import hashes nothing.
	mustImport(t, s, parse(map[string]string{"A1": "4821093375", "A2": "5555666677"}))
	if got := h.take(); len(got) != 0 {
		t.Fatalf("re-import hashed %d codes", len(got))
	}
}

// TestAccessCodesHashedOutsideTheWriteTransaction: while an import's
// codes are being hashed, the database takes other write transactions (a
// kiosk's push, a token): the hashing holds none.
func TestAccessCodesHashedOutsideTheWriteTransaction(t *testing.T) {
	s := openTemp(t)
	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	s.access.hash = func(code string) (string, error) {
		once.Do(func() { close(started) })
		<-release
		return pinhash.HashAccessCode(code)
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.ImportFiles(accountsCSV(map[string]string{"A1": "4821093375", "A2": "1100223344"}))
		done <- err
	}()
	<-started
	wrote := make(chan error, 1)
	go func() { // any write: a push, a token, another command's transaction
		wrote <- s.db.Update(func(tx kv.Tx) error {
			_, err := tx.CreateBucketIfNotExists([]byte("probe"))
			return err
		})
	}()
	select {
	case err := <-wrote:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		close(release)
		t.Fatal("a write waited for the hashing of an import's access codes")
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if hs := accessHashes(t, s); !pinhash.Verify(hs["A1"], "4821093375") || !pinhash.Verify(hs["A2"], "1100223344") {
		t.Fatal("hashes after the import")
	}
}
