package server

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"mensakiosk/central/server/kv"

	"mensakiosk/app"
	"mensakiosk/central"
)

// The yearly certificate for the tax return (app/certificate.go has the
// rule): the family's payments of a calendar year — the notices whose
// receipt was credited, dated by the receipt's payment time in the
// Comune's time zone — and the meals its children ate that year, split by
// app.BuildFamilyCertificate. The counter asks for one family's
// (GET /v1/certificates/{account}?year=); the office makes every family's
// at once (`central certificates -year 2026`, through Certificates).

// Certificate returns account a's certificate of year. An unknown account
// is central.CodeUnknownAccount; a year before app.MinCertificateYear or
// after the current one is refused (bad_request).
func (s *Server) Certificate(a app.AccountID, year int) (app.FamilyCertificate, error) {
	if msg := checkID(string(a)); msg != "" {
		return app.FamilyCertificate{}, refuse(http.StatusBadRequest, "bad_request", "account_id", "%s", msg)
	}
	if err := s.checkCertificateYear(year); err != nil {
		return app.FamilyCertificate{}, err
	}
	var c app.FamilyCertificate
	err := s.db.View(func(tx kv.Tx) error {
		acc, err := knownAccount(tx, a)
		if err != nil {
			return err
		}
		c, err = s.certificateTx(tx, acc, year)
		return err
	})
	return c, err
}

// Certificates returns the certificates of year of every family that paid
// something that year (or was refunded), by account id.
func (s *Server) Certificates(year int) ([]app.FamilyCertificate, error) {
	if err := s.checkCertificateYear(year); err != nil {
		return nil, err
	}
	var out []app.FamilyCertificate
	err := s.db.View(func(tx kv.Tx) error {
		out = nil
		return tx.Bucket(kindIndex[app.KindAccount]).ForEach(func(k, _ []byte) error {
			acc, ok, err := getJSON[app.Account](tx, app.KindAccount, string(k))
			if err != nil || !ok {
				return err // a deleted account (tombstone) has nothing to attest
			}
			c, err := s.certificateTx(tx, acc, year)
			if err != nil {
				return err
			}
			if len(c.Payments) > 0 {
				out = append(out, c)
			}
			return nil
		})
	})
	slices.SortFunc(out, func(x, y app.FamilyCertificate) int { return cmp.Compare(x.AccountID, y.AccountID) })
	return out, err
}

func (s *Server) checkCertificateYear(year int) error {
	if now := s.now().In(s.zone()).Year(); year < app.MinCertificateYear || year > now {
		return refuse(http.StatusBadRequest, "bad_request", "year", "%d: want a calendar year from %d to %d", year, app.MinCertificateYear, now)
	}
	return nil
}

// certificateTx builds acc's certificate of year from the positions paid
// and the meals of its children.
func (s *Server) certificateTx(tx kv.Tx, acc app.Account, year int) (app.FamilyCertificate, error) {
	var payments []app.CertificatePayment
	prefix := key(string(acc.ID), "")
	c := tx.Bucket(bAccNotices).Cursor()
	for k, _ := c.Seek(prefix); k != nil && strings.HasPrefix(string(k), string(prefix)); k, _ = c.Next() {
		p, ok, err := getPosition(tx, string(k[len(prefix):]))
		if err != nil {
			return app.FamilyCertificate{}, err
		}
		if !ok || p.State != app.NoticePaid || p.Receipt == nil {
			continue
		}
		payments = append(payments, app.CertificatePayment{Day: app.DayOf(p.Receipt.PaidAt, s.zone()),
			NoticeCode: p.NoticeCode, ReceiptID: p.Receipt.ReceiptID, PSP: p.Receipt.PSP, Amount: p.Receipt.Amount})
	}
	refunds, err := accountRefunds(tx, acc.ID) // refunds.go
	if err != nil {
		return app.FamilyCertificate{}, err
	}
	for _, r := range refunds {
		payments = append(payments, app.CertificatePayment{Day: app.DayOf(r.At, s.zone()), ReceiptID: r.ID, Amount: -r.Amount})
	}
	from, to := app.Day(fmt.Sprintf("%04d-01-01", year)), app.Day(fmt.Sprintf("%04d-12-31", year))
	var pupils []app.Pupil
	var meals []app.Meal
	for _, id := range familyPupils(tx, acc.ID) {
		p, ok, err := getJSON[app.Pupil](tx, app.KindPupil, string(id))
		if err != nil {
			return app.FamilyCertificate{}, err
		}
		if !ok {
			continue
		}
		pupils = append(pupils, p)
		ms, err := pupilMeals(tx, id, acc.ID, from, to)
		if err != nil {
			return app.FamilyCertificate{}, err
		}
		meals = append(meals, ms...)
	}
	cert, err := app.BuildFamilyCertificate(year, acc, pupils, meals, payments)
	if err != nil {
		return app.FamilyCertificate{}, err
	}
	cert.Creditor = s.pagopa.cfg.Creditor
	cert.Issued = s.now().UTC()
	return cert, nil
}

// certificatePath returns the account of a certificate's path.
func certificatePath(path string) (string, bool) {
	acc, ok := strings.CutPrefix(path, central.PathCertificates)
	return acc, ok && acc != "" && !strings.Contains(acc, "/")
}

// serveCertificates answers GET /v1/certificates/{account}?year=; false
// when r is for another path.
func (s *Server) serveCertificates(w http.ResponseWriter, r *http.Request) bool {
	acc, ok := certificatePath(r.URL.Path)
	if !ok {
		return false
	}
	if r.Method != http.MethodGet {
		methodNotAllowed(w, "GET")
		return true
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil || len(q["year"]) != 1 {
		writeError(w, http.StatusBadRequest, "bad_request", "year", "give year=YYYY once")
		return true
	}
	year, err := strconv.Atoi(q.Get("year"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "year", "want a calendar year, YYYY")
		return true
	}
	c, err := s.Certificate(app.AccountID(acc), year)
	if writeAPIError(s, w, r, err) {
		return true
	}
	writeJSON(w, c)
	return true
}

// adminCertificates adds GET /admin/certificates?year=YYYY → every
// family's certificate of the year ([app.FamilyCertificate...]).
func (s *Server) adminCertificates(mux *http.ServeMux) {
	s.adminRefunds(mux) // refunds.go
	mux.HandleFunc("GET /admin/certificates", func(w http.ResponseWriter, r *http.Request) {
		year, err := strconv.Atoi(r.URL.Query().Get("year"))
		if err != nil {
			writeError(w, http.StatusBadRequest, "bad_request", "year", "want year=YYYY")
			return
		}
		cs, err := s.Certificates(year)
		if cs == nil {
			cs = []app.FamilyCertificate{}
		}
		answer(w, cs, err)
	})
}

// Certificates returns every family's certificate of year (see
// Server.Certificates).
func (c *AdminClient) Certificates(year int) ([]app.FamilyCertificate, error) {
	var cs []app.FamilyCertificate
	err := c.do(context.Background(), http.MethodGet, "/admin/certificates", url.Values{"year": {strconv.Itoa(year)}}, "", nil, &cs)
	return cs, err
}
