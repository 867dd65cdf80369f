// Command kiosk is MensaKiosk's touch kiosk: the canteen door, where pupils
// tap a badge and the meal is recorded against the family's prepaid account.
//
//	kiosk [-config FILE] [-demo] [-headless] [flags]
//
// A plain `go build` is the production kiosk; -demo needs a build with the
// demo tag (`make run`; demo.go). With -demo it starts a demo Comune with a demo badge reader (a
// pseudo-terminal read by the same code as a USB reader), a panel that
// plays badges into it, and, unless a central server is configured, an
// embedded reference server on loopback that the kiosk syncs with (the
// panel can cut and restore the network). Logs are JSON lines on stderr.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"mensakiosk"
)

func main() { os.Exit(run(os.Args[1:], os.Stderr)) }

// options are the command line's.
type options struct {
	config, dataDir, lang, readerPort, readerFormat, logLevel string
	centralURL, tokenFile, role                               string
	demo, headless, windowed, fullscreen, version             bool
}

// versionOut is where -version prints (stderr carries JSON log lines only).
var versionOut io.Writer = os.Stdout

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("kiosk", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.config, "config", "", "configuration file (JSON; see kiosk.example.json)")
	fs.BoolVar(&o.demo, "demo", false, "demo mode: demo Comune, demo badge reader and its panel")
	fs.BoolVar(&o.headless, "headless", false, "no window: read badges and record meals only (tests, diagnostics)")
	fs.BoolVar(&o.windowed, "windowed", false, "a window instead of full screen")
	fs.BoolVar(&o.fullscreen, "fullscreen", false, "full screen, also in demo mode (a demo on a kiosk's screen or under cage)")
	fs.StringVar(&o.dataDir, "data", "", "data directory (overrides data_dir)")
	fs.StringVar(&o.role, "role", "", "canteen or counter (overrides role)")
	fs.StringVar(&o.lang, "lang", "", "language of the screens: it or en (overrides language)")
	fs.StringVar(&o.readerPort, "reader-port", "", "badge reader port (overrides reader.port)")
	fs.StringVar(&o.readerFormat, "reader-format", "", "badge reader frame format (overrides reader.format)")
	fs.StringVar(&o.centralURL, "central", "", "central server URL (overrides central.url)")
	fs.StringVar(&o.tokenFile, "token-file", "", "file holding this kiosk's token (overrides central.token_file)")
	fs.StringVar(&o.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.BoolVar(&o.version, "version", false, "print the version and the commit it was built from")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if o.windowed && o.fullscreen {
		err := fmt.Errorf("-windowed and -fullscreen: choose one")
		fmt.Fprintln(stderr, "kiosk:", err)
		return o, err
	}
	return o, nil
}

func run(args []string, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return 2
	}
	if o.version {
		fmt.Fprintln(versionOut, mensakiosk.String("mensakiosk"))
		return 0
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		fmt.Fprintln(stderr, "kiosk: -log-level:", err)
		return 2
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	routeStdLog(log)
	if o.demo && !demoBuilt {
		log.Error("no demo in this kiosk: it is the production build; build the demo with -tags demo (make run)", "flag", "-demo")
		return 2
	}
	cfg, err := LoadConfig(o.config)
	if err != nil {
		log.Error("configuration", "err", err)
		return 2
	}
	if o.dataDir != "" {
		cfg.DataDir = o.dataDir
	}
	if cfg.DataDir == "" {
		if cfg.DataDir, err = stateDir(); err != nil {
			log.Error("configuration", "err", err)
			return 2
		}
	}
	// What staff changed on the kiosk (staff mode → Impostazioni) applies
	// over the file; the flags below still win.
	if cfg, err = loadSettings(cfg); err != nil {
		log.Error("configuration", "err", err)
		return 2
	}
	if o.role != "" {
		cfg.Role = o.role
	}
	if o.lang != "" {
		cfg.Language = o.lang
	}
	if o.readerPort != "" {
		cfg.Reader.Port = o.readerPort
	}
	if o.readerFormat != "" {
		cfg.Reader.Format = o.readerFormat
	}
	if o.centralURL != "" {
		cfg.Central.URL = o.centralURL
	}
	if o.tokenFile != "" {
		cfg.Central.TokenFile, cfg.Central.Token = o.tokenFile, ""
	}
	if o.windowed {
		cfg.Window.Fullscreen = false
	}
	if o.demo {
		// The demo runs all day so that a newcomer can always try it.
		cfg.Canteen.WindowStart, cfg.Canteen.WindowEnd = "00:00", "24:00"
		if o.config == "" {
			if cfg.KioskID == DefaultConfig().KioskID {
				cfg.KioskID = "demo-" + cfg.KioskID
			}
			// A window beside the developer's others, wide enough for the
			// screen and the demo reader panel.
			cfg.Window = windowSection{Fullscreen: false, Width: 1600, Height: 900, Scale: cfg.Window.Scale}
		}
	}
	if o.fullscreen {
		cfg.Window.Fullscreen = true
	}
	cc, err := cfg.Validate()
	if err != nil {
		log.Error("configuration", "err", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if o.headless {
		return runHeadless(ctx, cfg, cc, o.demo, log)
	}
	return runWindow(ctx, cfg, cc, o.demo, log)
}
