// Command central runs MensaKiosk's reference central server and its
// administration commands.
//
//	central [serve] -addr 127.0.0.1:8700 -data ./central-data [-tls-cert F -tls-key F] [-config F] [-log-level info]
//	central import -data DIR FILE_OR_DIR...
//	central token  -data DIR -kiosk ID -role canteen|counter   prints the kiosk's new token, once
//	central void   -data DIR -meal EVENT_ID -reason TEXT [-staff NAME]
//	central revoke -data DIR -kiosk ID
//	central alarms -data DIR [-json]
//	central kiosks -data DIR [-json] [-stale 1h]
//	central review -data DIR [-json]
//	central status -data DIR
//	central audit  -data DIR [-kiosk K] [-day D] [-limit N] [-json]
//	central report -data DIR [-day D] [-service lunch] [-csv]
//
// The administration commands open the database themselves when no server
// runs. While one runs it holds the database (bbolt takes one process at a
// time): they then reach it through its administration socket,
// <data>/admin.sock (mode 0600: the local administrator only), and print
// the same output.
package main

import (
	"cmp"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"mensakiosk"
	"mensakiosk/app"
	"mensakiosk/central/server"
	"mensakiosk/internal/logagg"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// Config is the server's settings, from -config (JSON) and flags; flags
// given on the command line win.
type Config struct {
	Addr     string `json:"addr"`
	Data     string `json:"data"`
	TLSCert  string `json:"tls_cert,omitempty"`
	TLSKey   string `json:"tls_key,omitempty"`
	LogLevel string `json:"log_level,omitempty"`
	// TimeZone (default Europe/Rome) and BookingCutoff (default "09:30"):
	// when a day's bookings stop changing. Config file only.
	TimeZone      string `json:"time_zone,omitempty"`
	BookingCutoff string `json:"booking_cutoff,omitempty"`
	// PagoPA is the Comune's creditor and top-up rules (docs/central.md);
	// none: the test creditor. Config file only.
	PagoPA *server.PagoPAConfig `json:"pagopa,omitempty"`
	// Store is where the data is kept (store_config.go): absent, the
	// bbolt file in the data directory. Config file only.
	Store *StoreConfig `json:"store,omitempty"`
	// Comuni: a service of many Comuni, each with its own settings
	// (comuni_config.go); none: one Comune, the settings above.
	Comuni map[string]ComuneConfig `json:"comuni,omitempty"`
}

const usage = `usage:
  central -version                          print the version and the commit it was built from
  central [serve] -addr 127.0.0.1:8700 -data DIR [-tls-cert FILE -tls-key FILE] [-config FILE] [-log-level debug|info|warn|error]
  central import -data DIR FILE_OR_DIR...   import JSON or CSV (all files in one transaction)
  central token  -data DIR -kiosk ID -role canteen|counter
                                            make a kiosk's token for its role (printed once; replaces the old one)
  central revoke -data DIR -kiosk ID        revoke a kiosk's token
  central alarms -data DIR [-json]          list alarms
  central kiosks -data DIR [-json] [-stale 1h]
                                            each kiosk's role, version and last contact, the least
                                            recent first; STALE when not heard from for -stale
  central review -data DIR [-json]          list events rejected or flagged
  central void   -data DIR -meal EVENT_ID -reason TEXT [-staff NAME]
                                            the office voids a meal: the family gets its price back
  central status -data DIR                  counts, and whether notices are payable on pagoPA (GPD)
  central audit  -data DIR [-kiosk K] [-day YYYY-MM-DD] [-limit N] [-json]
                                            staff actions and voids, oldest first
  central report -data DIR [-day YYYY-MM-DD] [-service lunch] [-csv]
                                            the day's report: booked and served by class and diet
  central paid       -data DIR -notice CODE [-psp NAME] [-receipt ID] [-amount CENTS]
                                            record a notice paid (standing in for pagoPA's receipt)
  central invalidate -data DIR -notice CODE -reason TEXT
                                            withdraw a notice that was not paid
  central notices    -data DIR -account ID [-json]
                                            a family's notices, newest first, with their state
  central certificates -data DIR -year YYYY -out DIR [-config FILE] [-lang it|en]
                                            the yearly certificates for the tax return: a PDF per family, a CSV
  central refund -data DIR -account ID -amount CENTS -reason TEXT [-id ID]
                                            money paid back to a family out of its balance (counted by the certificates)
  central token      -data DIR -receipts NAME
                                            a token valid only to post receipts (printed once)
  central message -data DIR -to AUDIENCE -title TEXT [-body TEXT] [-url LINK]
                                            a message to families (comunicazione); AUDIENCE is
                                            family:ACCOUNT_ID, class:SCHOOL/CLASS, school:SCHOOL or all
  central messages -data DIR [-json]        the messages sent, newest first, with how many families read each
  central backup -data DIR -out FILE       a consistent copy of central.db, the server running or not
                                            (on PostgreSQL: pg_dump or PITR instead, docs/central.md)
  central restored -data DIR                after putting central.db back from a backup, with the
                                            server stopped: every kiosk pulls afresh at its next sync
                                            (on PostgreSQL after pg_restore, the servers may run)
  central remove-comune -config FILE [-data DIR] -comune CODE [-confirm CODE]
                                            on PostgreSQL, a Comune that left the settings' "comuni":
                                            its data removed from the database for good (pg_dump first)
  Every administration command also takes -config FILE, the server's settings file
  (its data directory, "store" and "pagopa" settings); -data given on the command line wins.
  With "store": {"postgres": "postgres://…"} the commands open the database itself, servers
  running or not.
  In a service of several Comuni ("comuni" in the settings file, or <data>/comuni/) every
  administration command also takes -comune CODE (docs/central.md, "Many Comuni").
`

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 1 && (args[0] == "-version" || args[0] == "--version" || args[0] == "version") {
		fmt.Fprintln(stdout, mensakiosk.String("mensakiosk-central"))
		return 0
	}
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	var err error
	if isReceiptsToken(cmd, args) { // central token -receipts NAME: topup_cmd.go
		cmd = "receipts-token"
	}
	switch cmd {
	case "serve":
		err = serve(args, stderr)
	case "import", "token", "revoke", "alarms", "kiosks", "review", "status", "void":
		err = admin(cmd, args, stdout, stderr)
	case "paid", "invalidate", "notices", "receipts-token":
		err = topUpCmd(cmd, args, stdout, stderr) // topup_cmd.go
	case "audit", "report":
		err = staffCmd(cmd, args, stdout, stderr) // staff_cmd.go
	case "message", "messages":
		err = messageCmd(cmd, args, stdout, stderr) // message_cmd.go
	case "certificates":
		err = certificatesCmd(args, stdout, stderr) // certificates_cmd.go
	case "refund":
		err = refundCmd(args, stdout, stderr) // certificates_cmd.go
	case "restored":
		err = restored(args, stdout, stderr)
	case "backup":
		err = backup(args, stdout, stderr)
	case "remove-comune":
		err = removeComuneCmd(args, stdout, stderr) // comune_remove_cmd.go
	case "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "central: unknown command %q\n%s", cmd, usage)
		return 2
	}
	var ue usageError
	switch {
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "central %s: %v\n", cmd, err)
		return 2
	case errors.Is(err, flag.ErrHelp):
		return 2
	case err != nil:
		fmt.Fprintf(stderr, "central %s: %v\n", cmd, err)
		return 1
	}
	return 0
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if level == "" {
		level = "info"
	}
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, usageError{fmt.Sprintf("-log-level %q: want debug, info, warn or error", level)}
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})), nil
}

func serve(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg Config
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8700", "listen address (plain HTTP only on loopback)")
	fs.StringVar(&cfg.Data, "data", "./central-data", "data directory (holds central.db)")
	fs.StringVar(&cfg.TLSCert, "tls-cert", "", "TLS certificate (PEM)")
	fs.StringVar(&cfg.TLSKey, "tls-key", "", "TLS private key (PEM)")
	fs.StringVar(&cfg.LogLevel, "log-level", "info", "debug, info, warn or error")
	configPath := fs.String("config", "", "JSON settings file: {addr, data, tls_cert, tls_key, log_level}; flags win")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected arguments %q", fs.Args())}
	}
	if *configPath != "" {
		if err := loadConfig(*configPath, fs, &cfg); err != nil {
			return err
		}
	}
	log, err := newLogger(stderr, cfg.LogLevel)
	if err != nil {
		return err
	}
	var tlsCfg *tls.Config
	switch {
	case (cfg.TLSCert == "") != (cfg.TLSKey == ""):
		return usageError{"give both -tls-cert and -tls-key, or neither"}
	case cfg.TLSCert != "":
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return fmt.Errorf("TLS: %w", err)
		}
		tlsCfg = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	case !server.IsLoopback(cfg.Addr):
		return fmt.Errorf("-addr %s: %w", cfg.Addr, server.ErrPlainHTTP)
	}
	if len(cfg.Comuni) > 0 {
		return serveComuni(cfg, log, tlsCfg) // comuni_serve.go
	}
	if err := oneComuneData(cfg); err != nil { // comuni_config.go
		return err
	}
	opts, err := bookingOptions(cfg) // staff_cmd.go
	if err != nil {
		return err
	}
	opts.Log = log
	opts.PagoPA = cfg.PagoPA
	srv, err := openServer(cfg.Data, cfg.Store, opts) // store_config.go
	if err != nil {
		return err
	}
	defer srv.Close()
	log.Info("store", "store", cfg.Store.String())
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	adminLn, err := srv.ListenAdmin()
	if err != nil {
		ln.Close()
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	adminDone := make(chan struct{})
	go func() {
		defer close(adminDone)
		// The kiosks' service goes on without the admin socket: the
		// failure is logged, and the commands then say nothing answers.
		if err := srv.ServeAdmin(ctx, adminLn); err != nil {
			log.Error("admin socket", "err", err)
		}
	}()
	gpdDone := make(chan struct{})
	go func() { defer close(gpdDone); srv.RunGPD(ctx) }() // pagoPA GPD: publish notices, read payments
	err = srv.Serve(ctx, ln, tlsCfg)
	cancel()
	<-adminDone // the socket file is removed
	<-gpdDone
	if err != nil {
		return err
	}
	return srv.Close()
}

// loadConfig reads the JSON settings; a flag set on the command line
// keeps its value.
func loadConfig(path string, fs *flag.FlagSet, cfg *Config) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var file Config
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	for name, pair := range map[string][2]*string{
		"addr": {&cfg.Addr, &file.Addr}, "data": {&cfg.Data, &file.Data}, "tls-cert": {&cfg.TLSCert, &file.TLSCert},
		"tls-key": {&cfg.TLSKey, &file.TLSKey}, "log-level": {&cfg.LogLevel, &file.LogLevel},
	} {
		if !set[name] && *pair[1] != "" {
			*pair[0] = *pair[1]
		}
	}
	cfg.TimeZone, cfg.BookingCutoff = file.TimeZone, file.BookingCutoff
	cfg.PagoPA = file.PagoPA
	cfg.Store = file.Store
	cfg.Comuni = file.Comuni
	return cfg.Store.check()
}

func admin(cmd string, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./central-data", "data directory (holds central.db)")
	kiosk := fs.String("kiosk", "", "kiosk id (token, revoke)")
	role := fs.String("role", "", "the token's role: canteen or counter (token)")
	mealID := fs.String("meal", "", "the meal's event id (void)")
	reason := fs.String("reason", "", "why the meal is voided (void)")
	staff := fs.String("staff", "", "who voids, for the audit trail (void; default office)")
	asJSON := fs.Bool("json", false, "JSON output (alarms, kiosks, review)")
	stale := fs.Duration("stale", time.Hour, "kiosks: mark STALE a kiosk not heard from for longer")
	logLevel := fs.String("log-level", "warn", "debug, info, warn or error")
	base, err := parseWithConfig(fs, args, data) // command_setup.go
	if err != nil {
		return err
	}
	switch {
	case cmd == "import" && fs.NArg() == 0:
		return usageError{"name the files or directories to import"}
	case cmd != "import" && fs.NArg() > 0:
		return usageError{fmt.Sprintf("unexpected arguments %q", fs.Args())}
	case (cmd == "token" || cmd == "revoke") && *kiosk == "":
		return usageError{"-kiosk ID is required"}
	case cmd == "token" && !server.ValidTokenRole(*role):
		return usageError{"-role canteen or -role counter is required: the kiosk's role, as in its configuration"}
	case cmd == "void" && (*mealID == "" || strings.TrimSpace(*reason) == ""):
		return usageError{"-meal EVENT_ID and -reason TEXT are required"}
	}
	log, err := newLogger(stderr, *logLevel)
	if err != nil {
		return err
	}
	if cmd != "import" && cmd != "token" {
		// Reading commands must not create a data directory by mistake.
		if _, err := os.Stat(*data); err != nil {
			return fmt.Errorf("data directory: %w", err)
		}
	}
	var files []server.ImportFile
	if cmd == "import" {
		// Read (not parse) the files first: a missing file or an unknown
		// CSV name is told before the database is touched.
		for _, path := range fs.Args() {
			f, err := server.ReadImportFiles(path)
			if err != nil {
				return err
			}
			files = append(files, f...)
		}
	}
	ops, err := openAdmin(*data, log, base)
	if err != nil {
		return err
	}
	srv, offline := ops.(*server.Server)
	if offline {
		defer srv.Close()
	}
	switch cmd {
	case "import":
		st, err := ops.ImportFiles(files)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "imported: %s\n", st)
	case "token":
		tok, err := ops.CreateToken(*kiosk, *role)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "%s token for kiosk %s (shown once; put it in the kiosk's configuration):\n", *role, *kiosk)
		fmt.Fprintln(stdout, tok)
	case "revoke":
		if err := ops.RevokeToken(*kiosk); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "token of kiosk %s revoked\n", *kiosk)
	case "alarms":
		alarms, err := ops.Alarms()
		if err != nil {
			return err
		}
		if *asJSON {
			return jsonLines(stdout, alarms)
		}
		printAlarms(stdout, alarms)
	case "kiosks":
		kiosks, err := ops.Kiosks()
		if err != nil {
			return err
		}
		if *asJSON {
			return jsonLines(stdout, kiosks)
		}
		printKiosks(stdout, kiosks, time.Now(), *stale)
	case "review":
		items, err := ops.Review()
		if err != nil {
			return err
		}
		if *asJSON {
			return jsonLines(stdout, items)
		}
		for _, it := range items {
			what := it.Reason
			if it.Status != "rejected" {
				what = strings.Join(it.Flags, ",")
				if m, err := app.MealPayload(it.OutboxEvent); err == nil && it.ServerPrice != nil && *it.ServerPrice != m.Price {
					what += fmt.Sprintf(" (kiosk %d cents, charged %d)", m.Price, *it.ServerPrice)
				}
			}
			fmt.Fprintf(stdout, "%s  %-8s %-12s seq %-6d %-14s %s  %s\n", it.ReceivedAt.Local().Format("2006-01-02 15:04:05"),
				it.Status, safe(it.KioskID), it.Seq, safe(string(it.Kind)), safe(it.ID), safe(what))
		}
		fmt.Fprintf(stdout, "%d events to review\n", len(items))
	case "void":
		it, err := ops.OfficeVoid(*mealID, *reason, *staff)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "meal %s (kiosk %s) voided by %s\n", it.ID, it.KioskID, it.VoidedBy)
	case "status":
		c, err := ops.Counts()
		if err != nil {
			return err
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(c)
	}
	if offline {
		return srv.Close()
	}
	return nil
}

// adminOps are the administration operations: a *server.Server on the
// database opened here, or a *server.AdminClient of the running server
// that holds it.
type adminOps interface {
	ImportFiles([]server.ImportFile) (server.ImportStats, error)
	CreateToken(kioskID, role string) (string, error)
	RevokeToken(kioskID string) error
	Alarms() ([]app.Alarm, error)
	Kiosks() ([]server.KioskContact, error)
	Review() ([]server.ReviewItem, error)
	Counts() (server.Counts, error)
	OfficeVoid(mealEventID, reason, staffID string) (server.ReviewItem, error)
	Backup(io.Writer) (int64, error)
}

// Waits of openAdmin: for the database's lock at each try, for the
// socket's answer, and in all (a server starting or stopping holds the
// database for a moment without answering on the socket).
const (
	adminLockWait = 100 * time.Millisecond
	adminPingWait = time.Second
	adminWait     = 2 * time.Second
)

// openAdmin opens the database as before; when it is in use and a server
// answers on <data>/admin.sock, the operations go through the socket.
// openCommand is openAdmin for a one-shot command: a logger of warnings on
// stderr, and the function that closes what was opened (the database when
// no server holds it; nothing for the admin socket).
func openCommand(data string, stderr io.Writer, base ...commandBase) (adminOps, func(), error) {
	log, err := newLogger(stderr, "warn")
	if err != nil {
		return nil, nil, err
	}
	ops, err := openAdmin(data, log, base...)
	if err != nil {
		return nil, nil, err
	}
	if srv, ok := ops.(*server.Server); ok {
		return ops, func() { srv.Close() }, nil
	}
	return ops, func() {}, nil
}

func openAdmin(data string, log *slog.Logger, base ...commandBase) (adminOps, error) {
	if storeOf(base).onPostgres() {
		return openAdminOn(data, log, base) // store_config.go
	}
	deadline := time.Now().Add(adminWait)
	client := server.NewAdminClient(data)
	for {
		srv, err := server.Open(data, withBase(server.Options{Log: log, LockTimeout: adminLockWait}, base))
		if err == nil {
			return srv, nil
		}
		if !errors.Is(err, server.ErrInUse) {
			return nil, err
		}
		perr := client.Ping(adminPingWait)
		if perr == nil {
			log.Debug("database in use: using the server's admin socket", "path", client.Path())
			return client, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%w; and nothing answers on its admin socket (%v): stop the other process, or wait for the other command to finish", err, perr)
		}
	}
}

func jsonLines[T any](w io.Writer, items []T) error {
	for _, it := range items {
		data, err := json.Marshal(it)
		if err != nil {
			return err
		}
		if _, err := w.Write(append(escapeJSON(data), '\n')); err != nil {
			return err
		}
	}
	return nil
}

// escapeJSON writes the characters a terminal would act on (Unicode
// format characters such as a right-to-left override, separators, other
// non-printing ones) as \u escapes: the same JSON value, safe to show.
func escapeJSON(data []byte) []byte {
	var out []byte
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r >= 0x80 && (r == utf8.RuneError || !unicode.IsPrint(r)) {
			if out == nil {
				out = append(make([]byte, 0, len(data)+16), data[:i]...)
			}
			for _, u := range utf16.Encode([]rune{r}) {
				out = fmt.Appendf(out, `\u%04x`, u)
			}
		} else if out != nil {
			out = append(out, data[i:i+size]...)
		}
		i += size
	}
	if out == nil {
		return data
	}
	return out
}

// safe is text from the database for a terminal: control and format
// characters escaped, cut at 300 bytes.
func safe(s string) string { return logagg.Escape(s, 300) }

// printAlarms prints the alarms as a table: the latest time, the code,
// the kiosk, how many times (a kiosk's alarms are one per code and day)
// since when, and the latest message.
func printAlarms(w io.Writer, alarms []app.Alarm) {
	for _, a := range alarms {
		times := ""
		if a.Count > 1 {
			times = fmt.Sprintf("×%d since %s  ", a.Count, a.First.Local().Format("15:04:05"))
		}
		fmt.Fprintf(w, "%s  %-15s %-12s %s%s\n", a.At.Local().Format("2006-01-02 15:04:05"), safe(a.Code), safe(a.KioskID), times, safe(a.Message))
	}
	fmt.Fprintf(w, "%d alarms\n", len(alarms))
}

// printKiosks prints the kiosks' contacts as a table: kiosk, role,
// version, last contact (local time and how long ago), STALE when that is
// more than stale before now; "never" for a kiosk with a token that never
// connected.
func printKiosks(w io.Writer, kiosks []server.KioskContact, now time.Time, stale time.Duration) {
	fmt.Fprintf(w, "%-16s %-8s %-12s %-19s %s\n", "KIOSK", "ROLE", "VERSION", "LAST CONTACT", "")
	nStale := 0
	for _, k := range kiosks {
		role := cmp.Or(k.Role, "(both)")
		version := cmp.Or(k.Version, "-")
		when, ago := "never", ""
		if !k.LastContact.IsZero() {
			when = k.LastContact.Local().Format("2006-01-02 15:04:05")
			ago = fmt.Sprintf("%d min ago", int(now.Sub(k.LastContact).Minutes()))
		}
		mark := ""
		if k.LastContact.IsZero() || now.Sub(k.LastContact) > stale {
			mark = "  STALE"
			nStale++
		}
		if !k.HasToken {
			mark += "  (token revoked)"
		}
		fmt.Fprintf(w, "%-16s %-8s %-12s %-19s %s%s\n", safe(k.Kiosk), safe(role), safe(version), when, ago, mark)
	}
	fmt.Fprintf(w, "%d kiosks, %d stale (not heard from for more than %s)\n", len(kiosks), nStale, stale)
}

// restored marks a database put back from a backup (see
// server.MarkRestored). It needs the database itself, not the running
// server: the new database id must be in place before any kiosk pulls.
func restored(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("restored", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./central-data", "data directory (holds central.db)")
	base, err := parseWithConfig(fs, args, data) // command_setup.go
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected arguments %q", fs.Args())}
	}
	if !base.store.onPostgres() {
		if err := server.CheckStoreKind(*data); err != nil { // store_marker.go: on PostgreSQL, -config
			return fmt.Errorf("restored: %w", err)
		}
		if _, err := os.Stat(filepath.Join(*data, server.DBFile)); err != nil {
			return fmt.Errorf("restored: %w", err)
		}
	}
	log, err := newLogger(stderr, "warn")
	if err != nil {
		return err
	}
	// On PostgreSQL the servers may run: each reads the database's id in
	// the transaction that uses it.
	srv, err := openServer(*data, base.store, withBase(server.Options{Log: log}, []commandBase{base}))
	if errors.Is(err, server.ErrInUse) {
		return fmt.Errorf("restored: %w: stop the server first, then run this before serving the restored database", err)
	}
	if err != nil {
		return err
	}
	if err := srv.MarkRestored(); err != nil {
		srv.Close()
		return err
	}
	fmt.Fprintln(stdout, "database marked restored: every kiosk pulls afresh at its next sync and re-sends the events the backup lacks")
	return srv.Close()
}

// backup writes a consistent copy of the database to a new file, through
// the running server's admin socket or from the database itself.
func backup(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./central-data", "data directory (holds central.db)")
	out := fs.String("out", "", "the backup file to write (must not exist)")
	base, err := parseWithConfig(fs, args, data) // command_setup.go
	if err != nil {
		return err
	}
	if base.store.onPostgres() {
		return errBackupPostgres // store_config.go
	}
	if *out == "" || fs.NArg() > 0 {
		return usageError{"backup -data DIR -out FILE"}
	}
	if err := server.CheckStoreKind(*data); err != nil { // store_marker.go: on PostgreSQL, -config
		return fmt.Errorf("backup: %w", err)
	}
	if _, err := os.Stat(filepath.Join(*data, server.DBFile)); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	ops, done, err := openCommand(*data, stderr, base)
	if err != nil {
		return err
	}
	defer done()
	n, err := server.WriteBackup(*out, ops.Backup)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup written: %s (%d bytes)\n", *out, n)
	return nil
}
