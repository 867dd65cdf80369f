package server

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"unicode/utf8"

	"mensakiosk/app"
	"mensakiosk/app/pagopa"
)

// PagoPAConfig is the Comune's pagoPA settings: the creditor printed on
// every notice, its IUV generation point (segregation code), and the rules
// of a top-up. The JSON form is the "pagopa" object of cmd/central's
// -config file. Zero fields take the defaults; a nil *PagoPAConfig is
// DefaultPagoPA, whose creditor is a test one ("Comune di Esempio",
// 99999000013, segregation 01): fine for the demo and tests, never for a
// real Comune.
type PagoPAConfig struct {
	Creditor app.Creditor `json:"creditor"`
	// SegregationCode is the two digits (00–45) of the creditor's IUV
	// generation point, as pagoPA assigned it.
	SegregationCode string `json:"segregation_code"`
	// DueDays is how many days after its creation a notice can be paid;
	// default 30.
	DueDays int `json:"due_days,omitempty"`
	// Subject is the notice's subject (≤ 90 characters); default
	// DefaultSubject.
	Subject string `json:"subject,omitempty"`
	// MinCents and MaxCents bound a top-up's amount; defaults 100 (1 €)
	// and 50000 (500 €).
	MinCents app.Cents `json:"min_cents,omitempty"`
	MaxCents app.Cents `json:"max_cents,omitempty"`
	// GPD connects the server to pagoPA (gpd_config.go); nil: notices
	// are not payable (positions on this server alone).
	GPD *GPDConfig `json:"gpd,omitempty"`
}

// Defaults of PagoPAConfig.
const (
	DefaultSubject      = "Ricarica servizio mensa scolastica"
	DefaultDueDays      = 30
	DefaultMinTopUp     = app.Cents(100)
	DefaultMaxTopUp     = app.Cents(50_000)
	TestCreditorCF      = "99999000013"
	TestCreditorName    = "Comune di Esempio"
	TestSegregationCode = "01"
	maxDueDays          = 366
	maxSubjectRunes     = 90
	maxCreditorName     = 50
)

// DefaultPagoPA is the test creditor's configuration: the demo and the
// tests run on it, and a server started without a "pagopa" setting uses
// it (and says so in its log).
func DefaultPagoPA() PagoPAConfig {
	return PagoPAConfig{
		Creditor:        app.Creditor{FiscalCode: TestCreditorCF, Name: TestCreditorName, Sector: "Servizi scolastici", Contacts: "mensa@comune.esempio.it"},
		SegregationCode: TestSegregationCode,
		DueDays:         DefaultDueDays,
		Subject:         DefaultSubject,
		MinCents:        DefaultMinTopUp,
		MaxCents:        DefaultMaxTopUp,
	}
}

// pagopaSettings is a checked PagoPAConfig, as the server uses it. The
// calendar days of a notice (created, due) are the server's
// (Options.Location).
type pagopaSettings struct {
	cfg         PagoPAConfig
	segregation int
	gpd         *gpdConn // gpd_config.go; nil without GPD
}

// resolvePagoPA fills the defaults in and checks c. A creditor fiscal code
// failing the partita IVA check digit is only a warning (pagoPA itself
// checks the format alone), logged here.
func resolvePagoPA(c *PagoPAConfig, log *slog.Logger) (pagopaSettings, error) {
	var cfg PagoPAConfig
	if c == nil {
		cfg = DefaultPagoPA()
		log.Info("pagoPA: no configuration given: notices name the TEST creditor", "creditor", cfg.Creditor.Name, "fiscal_code", cfg.Creditor.FiscalCode)
	} else {
		cfg = *c
	}
	if cfg.DueDays == 0 {
		cfg.DueDays = DefaultDueDays
	}
	if cfg.Subject == "" {
		cfg.Subject = DefaultSubject
	}
	if cfg.MinCents == 0 {
		cfg.MinCents = DefaultMinTopUp
	}
	if cfg.MaxCents == 0 {
		cfg.MaxCents = DefaultMaxTopUp
	}
	cfg.Creditor.FiscalCode = strings.TrimSpace(cfg.Creditor.FiscalCode)
	warn, err := pagopa.CheckCreditorFiscalCode(cfg.Creditor.FiscalCode)
	if err != nil {
		return pagopaSettings{}, fmt.Errorf("pagopa.creditor.fiscal_code: %w", err)
	}
	if warn != nil {
		log.Warn("pagoPA: the creditor's fiscal code fails the partita IVA check digit; pagoPA checks only the format, so it is used as given", "fiscal_code", cfg.Creditor.FiscalCode, "warning", warn.Error())
	}
	name := strings.TrimSpace(cfg.Creditor.Name)
	switch {
	case name == "":
		return pagopaSettings{}, errors.New("pagopa.creditor.name: missing (the Comune's name printed on the notice)")
	case utf8.RuneCountInString(name) > maxCreditorName:
		return pagopaSettings{}, fmt.Errorf("pagopa.creditor.name: %d characters, at most %d fit on the notice", utf8.RuneCountInString(name), maxCreditorName)
	}
	if cb := cfg.Creditor.CBILL; cb != "" && !validCBILL(cb) {
		return pagopaSettings{}, fmt.Errorf("pagopa.creditor.cbill: %q: want 5 letters or digits", cb)
	}
	seg, err := strconv.Atoi(cfg.SegregationCode)
	if len(cfg.SegregationCode) != 2 || err != nil || seg < 0 || seg > 45 {
		return pagopaSettings{}, fmt.Errorf("pagopa.segregation_code: %q: want two digits, 00 to 45, as pagoPA assigned them", cfg.SegregationCode)
	}
	if cfg.DueDays < 1 || cfg.DueDays > maxDueDays {
		return pagopaSettings{}, fmt.Errorf("pagopa.due_days: %d: want 1 to %d", cfg.DueDays, maxDueDays)
	}
	if n := utf8.RuneCountInString(cfg.Subject); n > maxSubjectRunes {
		return pagopaSettings{}, fmt.Errorf("pagopa.subject: %d characters, at most %d fit on the notice", n, maxSubjectRunes)
	}
	for _, b := range []struct {
		field string
		v     app.Cents
	}{{"pagopa.min_cents", cfg.MinCents}, {"pagopa.max_cents", cfg.MaxCents}} {
		if err := pagopa.CheckAmount(int64(b.v)); err != nil {
			return pagopaSettings{}, fmt.Errorf("%s: %w", b.field, err)
		}
	}
	if cfg.MinCents > cfg.MaxCents {
		return pagopaSettings{}, fmt.Errorf("pagopa.min_cents %d is above pagopa.max_cents %d", cfg.MinCents, cfg.MaxCents)
	}
	cfg.Creditor.Name = name
	gc, err := resolveGPD(cfg.GPD, cfg.Creditor.FiscalCode, log)
	if err != nil {
		return pagopaSettings{}, err
	}
	return pagopaSettings{cfg: cfg, segregation: seg, gpd: gc}, nil
}

func validCBILL(s string) bool {
	if len(s) != 5 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z') {
			return false
		}
	}
	return true
}
