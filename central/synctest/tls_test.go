package synctest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/central"
	"mensakiosk/internal/centraltest"
	"mensakiosk/storage"
)

// selfSignedFiles writes a CA and a server certificate for 127.0.0.1 it
// signed, as PEM files: what a Comune with its own CA hands out.
func selfSignedFiles(t *testing.T, dir string) (caFile, certFile, keyFile string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Comune di Prova CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "mensa.comune.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	write := func(name, typ string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	return write("ca.pem", "CERTIFICATE", caDER), write("cert.pem", "CERTIFICATE", der), write("key.pem", "EC PRIVATE KEY", keyDER)
}

// TestTLSEndToEnd: the real server binary with its certificate and key in
// its configuration file, a kiosk that trusts the Comune's CA file: the
// kiosk syncs over HTTPS. A kiosk without the CA is refused, and says so.
func TestTLSEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the central binary (not in -short)")
	}
	bin := centraltest.Binary(t)
	caFile, certFile, keyFile := selfSignedFiles(t, t.TempDir())
	dir, token := centralDir(t, newComune(20))
	addr := freeAddr(t)
	cfg, _ := json.Marshal(map[string]string{"addr": addr, "data": dir, "tls_cert": certFile, "tls_key": keyFile})
	cfgFile := filepath.Join(t.TempDir(), "central.json")
	if err := os.WriteFile(cfgFile, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	ch := centraltest.Start(t, bin, "-config", cfgFile)
	defer func() {
		ch.Cmd.Process.Signal(syscall.SIGTERM)
		ch.Wait()
	}()

	sync := func(ca string) (*app.Syncer, *storage.Store, error) {
		st, err := storage.Open(filepath.Join(t.TempDir(), "kiosk.db"), storage.Options{SkipCheck: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		client, err := central.NewClient(central.ClientConfig{BaseURL: "https://" + addr, Token: token, CAFile: ca, Epoch: st.Epoch(), Retries: -1})
		if err != nil {
			t.Fatal(err)
		}
		sy := app.NewSyncer(st, client, app.SystemClock{}, app.SyncConfig{KioskID: "porta-1"}, nil)
		return sy, st, sy.SyncOnce(context.Background())
	}
	sy, st, err := sync(caFile)
	if err != nil {
		t.Fatalf("sync over HTTPS with the Comune's CA: %v", err)
	}
	if cnt, _ := st.Count(); cnt.Pupils != 20 || !sy.Status().Online {
		t.Fatalf("after the sync: %+v online %v", cnt, sy.Status().Online)
	}
	_, _, err = sync("")
	if err == nil || !errors.Is(err, app.ErrUnreachable) {
		t.Fatalf("a kiosk without the CA: %v, want refused", err)
	}
}
