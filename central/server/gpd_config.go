package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"mensakiosk/central/gpd"
)

// GPDConfig is the connection to pagoPA's GPD (the "gpd" object of the
// "pagopa" settings): with it, every top-up is published on pagoPA as a
// debt position and its payment read back (gpd_publish.go,
// gpd_payments.go). Without it the positions stay on this server alone:
// fine for the demo and the tests, NOT payable by anyone.
type GPDConfig struct {
	// URL is GPD's base URL, …/gpd/debt-positions-service/v1: gpd.UATURL
	// for tests with pagoPA, gpd.ProductionURL for service. https://
	// (plain http only on a loopback address: the simulator).
	URL string `json:"url"`
	// SubscriptionKeyFile holds the Ocp-Apim-Subscription-Key (one line).
	// It should be readable by the server's user alone.
	SubscriptionKeyFile string `json:"subscription_key_file"`
	// IBAN is the Comune's account registered on pagoPA, credited by
	// every transfer.
	IBAN string `json:"iban"`
	// Category is the pagoPA taxonomy code of the service (the transfer's
	// category), as the Comune registered it: never guessed.
	Category string `json:"category"`
	// SwitchToExpired: the position expires on pagoPA after its due date
	// (default true, as the notices here do).
	SwitchToExpired *bool `json:"switch_to_expired,omitempty"`
	// PollSeconds is how often payments are read back (default 30).
	PollSeconds int `json:"poll_seconds,omitempty"`
}

const (
	defaultGPDPoll  = 30 * time.Second
	maxGPDPollSecs  = 3600
	maxCategoryLen  = 140
	gpdClientTimout = 15 * time.Second
)

var reGPDIBAN = regexp.MustCompile(`^[A-Za-z0-9]{1,35}$`)

// gpdConn is a checked GPDConfig with its client.
type gpdConn struct {
	url             string // for the log and status: no key in it
	iban, category  string
	switchToExpired bool
	poll            time.Duration
	client          *gpd.Client
	kick            chan struct{}
	// instance names this Server in the outbox's leases (gpd_lease.go).
	instance [gpdInstanceLen]byte
}

// resolveGPD checks c and makes the client for the creditor org. The key
// is read here, once; it goes only into the client's header.
func resolveGPD(c *GPDConfig, org string, log *slog.Logger) (*gpdConn, error) {
	if c == nil {
		return nil, nil
	}
	u, err := url.Parse(strings.TrimSpace(c.URL))
	switch {
	case c.URL == "":
		return nil, errors.New("pagopa.gpd.url: missing (GPD's base URL, …/gpd/debt-positions-service/v1; UAT first: " + gpd.UATURL + ")")
	case err != nil || u.Host == "":
		return nil, fmt.Errorf("pagopa.gpd.url: %q is not a URL", c.URL)
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopbackHost(u.Hostname()):
	default:
		return nil, fmt.Errorf("pagopa.gpd.url: %q: want https:// (plain http only on a loopback address)", c.URL)
	}
	if c.SubscriptionKeyFile == "" {
		return nil, errors.New("pagopa.gpd.subscription_key_file: missing (the file holding the Ocp-Apim-Subscription-Key)")
	}
	fi, err := os.Stat(c.SubscriptionKeyFile)
	if err != nil {
		return nil, fmt.Errorf("pagopa.gpd.subscription_key_file: %w", err)
	}
	data, err := os.ReadFile(c.SubscriptionKeyFile)
	if err != nil {
		return nil, fmt.Errorf("pagopa.gpd.subscription_key_file: %w", err)
	}
	key := strings.TrimSpace(string(data))
	if key == "" || strings.ContainsAny(key, "\r\n\t ") || !utf8.ValidString(key) {
		return nil, fmt.Errorf("pagopa.gpd.subscription_key_file %s: want the key alone, on one line", c.SubscriptionKeyFile)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		log.Warn("pagoPA GPD: the subscription key file is readable by others than its owner: make it 0600", "file", c.SubscriptionKeyFile, "mode", fi.Mode().Perm().String())
	}
	iban := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(c.IBAN), " ", ""))
	if !reGPDIBAN.MatchString(iban) {
		return nil, fmt.Errorf("pagopa.gpd.iban: %q: want the Comune's account registered on pagoPA, 1 to 35 letters and digits", c.IBAN)
	}
	cat := strings.TrimSpace(c.Category)
	if cat == "" || len(cat) > maxCategoryLen || strings.ContainsAny(cat, " \t\r\n") {
		return nil, fmt.Errorf("pagopa.gpd.category: %q: want the pagoPA taxonomy code of the service, as the Comune registered it (e.g. 9/0101108TS/)", c.Category)
	}
	poll := defaultGPDPoll
	switch {
	case c.PollSeconds < 0 || c.PollSeconds > maxGPDPollSecs:
		return nil, fmt.Errorf("pagopa.gpd.poll_seconds: %d: want 1 to %d", c.PollSeconds, maxGPDPollSecs)
	case c.PollSeconds > 0:
		poll = time.Duration(c.PollSeconds) * time.Second
	}
	ste := true
	if c.SwitchToExpired != nil {
		ste = *c.SwitchToExpired
	}
	base := strings.TrimRight(u.String(), "/")
	return &gpdConn{
		url: u.Scheme + "://" + u.Host + u.EscapedPath(), iban: iban, category: cat, switchToExpired: ste, poll: poll,
		client:   gpd.NewClient(base, key, org, &http.Client{Timeout: gpdClientTimout}),
		kick:     make(chan struct{}, 1),
		instance: newGPDInstance(),
	}, nil
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
