// Package gpdsim is a simulator of pagoPA's GPD API (v1, the calls the
// central server's connector makes; facts in specs/pagopa-gpd.md, from
// pagopa/pagopa-debt-position's openapi_external_v1.json and its
// validation code). The tests and the demo run against it through real
// HTTP.
//
// It follows the contract: paths, the Ocp-Apim-Subscription-Key header
// (401 without the right one), the request's required fields and their
// bounds (400 with a problem JSON), 409 on a duplicate IUPD or IUV, the
// states (VALID, PAID, INVALID …; options PO_UNPAID, PO_PAID), the list's
// paging and filters, X-Request-Id on every answer. It is stricter than
// GPD in one way: a field it does not know is refused (400), so that a
// misspelt field name is caught here rather than silently dropped.
//
// It can be told to fail: an HTTP status for the next calls (5xx, 429
// with Retry-After), a delay, or a create that is carried out but whose
// answer is lost (the connection is closed).
package gpdsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"mensakiosk/central/gpd"
)

// Sim is the simulator: an http.Handler.
type Sim struct {
	key string
	now func() time.Time

	mu        sync.Mutex
	positions map[string]*position // org \0 iupd
	navs      map[string]string    // org \0 nav → iupd
	order     []string             // keys of positions, by insertion
	faults    []fault
	delay     time.Duration
	calls     []Call
	reqN      atomic.Int64
}

type position struct {
	org      string
	req      gpd.Position
	raw      json.RawMessage // the request body as received
	status   string
	inserted time.Time
	updated  time.Time
	paidAt   time.Time
	options  []gpd.OptionResponse
}

// Call is one request the simulator answered (for the tests).
type Call struct {
	Method, Path, Query string
	Body                []byte
	Status              int
	// Key is true when the request carried the right subscription key.
	Key bool
}

type fault struct {
	match      string // "create", "list", "get", "invalidate", "paid", "" = any
	status     int    // answered instead
	retryAfter int
	lose       bool // carry the call out, then drop the connection
}

// New makes a simulator that accepts the subscription key key. now nil
// is time.Now.
func New(key string, now func() time.Time) *Sim {
	if now == nil {
		now = time.Now
	}
	return &Sim{key: key, now: now, positions: map[string]*position{}, navs: map[string]string{}}
}

// FailNext makes the next n calls of kind op ("create", "get", "list",
// "invalidate", "paid"; "" any) answer status with a problem JSON;
// retryAfter (seconds, 0 none) is sent as Retry-After.
func (s *Sim) FailNext(op string, n, status, retryAfter int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, fault{match: op, status: status, retryAfter: retryAfter})
	}
}

// LoseNextAnswer makes the next call of kind op be carried out and its
// answer lost: the connection is closed before a byte is written.
func (s *Sim) LoseNextAnswer(op string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, fault{match: op, lose: true})
}

// SetDelay delays every answer by d (a timeout, when longer than the
// client waits).
func (s *Sim) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// Calls returns the requests answered so far.
func (s *Sim) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Position returns a position as the GET call answers it, and its create
// request's body as received.
func (s *Sim) Position(org, iupd string) (gpd.PositionResponse, json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.positions[org+"\x00"+iupd]
	if p == nil {
		return gpd.PositionResponse{}, nil, false
	}
	return s.responseLocked(p), p.raw, true
}

// Count is the number of positions held.
func (s *Sim) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.positions)
}

// Pay pays the option nav of creditor org as pagoPA's node would after a
// PSP collected the money: the option becomes PO_PAID with the receipt's
// data, the position PAID. It fails for an unknown, unpayable or paid
// option.
func (s *Sim) Pay(org, nav, psp, receiptID string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	iupd, ok := s.navs[org+"\x00"+nav]
	if !ok {
		return fmt.Errorf("gpdsim: no option with nav %s", nav)
	}
	p := s.positions[org+"\x00"+iupd]
	s.expireLocked(p)
	if p.status != gpd.StatusValid && p.status != gpd.StatusPublished {
		return fmt.Errorf("gpdsim: position %s is %s, not payable", iupd, p.status)
	}
	for i := range p.options {
		o := &p.options[i]
		if o.NAV != nav {
			continue
		}
		if o.Status != gpd.OptionUnpaid {
			return fmt.Errorf("gpdsim: option %s is %s", nav, o.Status)
		}
		t := gpd.At(at)
		o.Status, o.PaymentDate, o.PSPCompany, o.IDReceipt, o.PaymentMethod = gpd.OptionPaid, &t, psp, receiptID, "CP"
		o.LastUpdatedDate = &t
		p.status, p.paidAt, p.updated = gpd.StatusPaid, t.Time, s.now().UTC()
		return nil
	}
	return fmt.Errorf("gpdsim: no option with nav %s", nav)
}

// ServeHTTP answers GPD's calls under any prefix ending in
// /debt-positions-service/v1 (or at the root).
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if i := strings.Index(path, "/debt-positions-service/v1"); i >= 0 {
		path = path[i+len("/debt-positions-service/v1"):]
	}
	body, _ := readBody(r)
	rid := "sim-" + strconv.FormatInt(s.reqN.Add(1), 10)
	w.Header().Set(gpd.HeaderRequestID, rid)
	rec := &statusRecorder{ResponseWriter: w}
	keyOK := r.Header.Get(gpd.HeaderKey) == s.key && s.key != ""
	op, route := s.route(r.Method, path)

	s.mu.Lock()
	delay := s.delay
	var f *fault
	for i, ft := range s.faults {
		if ft.match == "" || ft.match == op {
			f = &ft
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			break
		}
	}
	s.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
		}
	}
	defer func() {
		s.mu.Lock()
		s.calls = append(s.calls, Call{Method: r.Method, Path: path, Query: r.URL.RawQuery, Body: body, Status: rec.status, Key: keyOK})
		s.mu.Unlock()
	}()
	switch {
	case !keyOK:
		// API Management's answer, before GPD is reached.
		rec.Header().Set("Content-Type", "application/json")
		rec.WriteHeader(http.StatusUnauthorized)
		_, _ = rec.Write([]byte(`{"statusCode":401,"message":"Access denied due to missing or invalid subscription key. Make sure to include subscription key when making requests to an API."}` + "\n"))
		return
	case f != nil && !f.lose:
		if f.retryAfter > 0 {
			rec.Header().Set("Retry-After", strconv.Itoa(f.retryAfter))
		}
		problem(rec, f.status, http.StatusText(f.status), "simulated failure")
		return
	case route == nil:
		problem(rec, http.StatusNotFound, "Not Found", "no such path: "+r.Method+" "+path)
		return
	}
	if f != nil && f.lose {
		// Carry the call out, then lose the answer.
		route(&discard{h: http.Header{}}, r, body)
		rec.status = -1
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	route(rec, r, body)
}

type handler func(w http.ResponseWriter, r *http.Request, body []byte)

var (
	reOrgs  = regexp.MustCompile(`^/organizations/([^/]+)/debtpositions$`)
	reOne   = regexp.MustCompile(`^/organizations/([^/]+)/debtpositions/([^/]+)$`)
	reInval = regexp.MustCompile(`^/organizations/([^/]+)/debtpositions/([^/]+)/invalidate$`)
	rePaid  = regexp.MustCompile(`^/organizations/([^/]+)/paymentoptions/paids/([^/]+)$`)
)

func (s *Sim) route(method, path string) (string, handler) {
	switch {
	case path == "/info" && method == http.MethodGet:
		return "info", func(w http.ResponseWriter, r *http.Request, _ []byte) {
			writeJSON(w, http.StatusOK, map[string]string{"name": "pagopa-debt-position (simulator)", "version": "1.1.37", "environment": "sim"})
		}
	case reOrgs.MatchString(path):
		org := reOrgs.FindStringSubmatch(path)[1]
		switch method {
		case http.MethodPost:
			return "create", func(w http.ResponseWriter, r *http.Request, b []byte) { s.create(w, r, org, b) }
		case http.MethodGet:
			return "list", func(w http.ResponseWriter, r *http.Request, _ []byte) { s.list(w, r, org) }
		}
	case reInval.MatchString(path) && method == http.MethodPost:
		m := reInval.FindStringSubmatch(path)
		return "invalidate", func(w http.ResponseWriter, r *http.Request, _ []byte) { s.invalidate(w, m[1], m[2]) }
	case reOne.MatchString(path) && method == http.MethodGet:
		m := reOne.FindStringSubmatch(path)
		return "get", func(w http.ResponseWriter, r *http.Request, _ []byte) { s.get(w, m[1], m[2]) }
	case rePaid.MatchString(path) && method == http.MethodPost:
		m := rePaid.FindStringSubmatch(path)
		return "paid", func(w http.ResponseWriter, r *http.Request, b []byte) { s.markPaid(w, m[1], m[2], b) }
	}
	return "", nil
}

func (s *Sim) create(w http.ResponseWriter, r *http.Request, org string, body []byte) {
	toPublish := false
	if v := r.URL.Query().Get("toPublish"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			problem(w, http.StatusBadRequest, "BAD REQUEST", "toPublish: not a boolean: "+v)
			return
		}
		toPublish = b
	}
	var in wirePosition
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		problem(w, http.StatusBadRequest, "BAD REQUEST", "JSON parse error: "+err.Error())
		return
	}
	now := s.now().UTC()
	p, err := in.check(now)
	if err != nil {
		problem(w, http.StatusBadRequest, "Error in the debt position request data", err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := org + "\x00" + p.IUPD
	dup := s.positions[k] != nil
	for _, o := range p.PaymentOption {
		if _, ok := s.navs[org+"\x00"+"3"+o.IUV]; ok {
			dup = true
		}
	}
	if dup {
		problem(w, http.StatusConflict, "The debt position violated constraints of uniqueness",
			fmt.Sprintf("Already exists a debt position for the Organization Fiscal Code %s or one of its payment options is not unique", org))
		return
	}
	pos := &position{org: org, req: p, raw: append(json.RawMessage(nil), body...), status: gpd.StatusDraft, inserted: now, updated: now}
	if toPublish {
		pos.status = gpd.StatusValid
		if p.ValidityDate != nil && p.ValidityDate.After(now) {
			pos.status = gpd.StatusPublished
		}
	}
	for _, o := range p.PaymentOption {
		due, ins := o.DueDate, gpd.At(now)
		pos.options = append(pos.options, gpd.OptionResponse{
			NAV: "3" + o.IUV, IUV: o.IUV, OrganizationFiscalCode: org, Amount: o.Amount, Description: o.Description,
			IsPartialPayment: o.IsPartialPayment, DueDate: &due, InsertedDate: &ins, Status: gpd.OptionUnpaid,
		})
		s.navs[org+"\x00"+"3"+o.IUV] = p.IUPD
	}
	s.positions[k] = pos
	s.order = append(s.order, k)
	// The create call answers the position as sent, with its state.
	out := s.responseLocked(pos)
	writeJSON(w, http.StatusCreated, out)
}

func (s *Sim) expireLocked(p *position) {
	if p.status != gpd.StatusValid || !p.req.SwitchToExpired {
		return
	}
	now := s.now().UTC()
	for _, o := range p.req.PaymentOption {
		if !now.After(o.DueDate.Time) {
			return
		}
	}
	p.status, p.updated = gpd.StatusExpired, now
}

func (s *Sim) responseLocked(p *position) gpd.PositionResponse {
	s.expireLocked(p)
	ins, upd := gpd.At(p.inserted), gpd.At(p.updated)
	out := gpd.PositionResponse{
		IUPD: p.req.IUPD, OrganizationFiscalCode: p.org, Type: p.req.Type, FiscalCode: p.req.FiscalCode, FullName: p.req.FullName,
		CompanyName: p.req.CompanyName, OfficeName: p.req.OfficeName, InsertedDate: &ins, ValidityDate: p.req.ValidityDate,
		Status: p.status, LastUpdatedDate: &upd, PaymentOption: append([]gpd.OptionResponse(nil), p.options...),
	}
	if p.status != gpd.StatusDraft {
		out.PublishDate = &ins
	}
	if !p.paidAt.IsZero() {
		t := gpd.At(p.paidAt)
		out.PaymentDate = &t
	}
	return out
}

func (s *Sim) get(w http.ResponseWriter, org, iupd string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.foundLocked(w, org, iupd)
	if p == nil {
		return
	}
	writeJSON(w, http.StatusOK, s.responseLocked(p))
}

var statuses = []string{gpd.StatusDraft, gpd.StatusPublished, gpd.StatusValid, gpd.StatusInvalid, gpd.StatusExpired, gpd.StatusPartiallyPaid, gpd.StatusPaid, gpd.StatusReported}

func (s *Sim) list(w http.ResponseWriter, r *http.Request, org string) {
	q := r.URL.Query()
	intParam := func(name string, def, lo, hi int) (int, bool) {
		v := q.Get(name)
		if v == "" {
			return def, true
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			problem(w, http.StatusBadRequest, "BAD REQUEST", fmt.Sprintf("%s: %q: want %d to %d", name, v, lo, hi))
			return 0, false
		}
		return n, true
	}
	limit, ok := intParam("limit", 10, 1, gpd.MaxLimit)
	if !ok {
		return
	}
	page, ok := intParam("page", 0, 0, 1<<30)
	if !ok {
		return
	}
	status := q.Get("status")
	if status != "" && !contains(statuses, status) {
		problem(w, http.StatusBadRequest, "BAD REQUEST", "status: "+status+": not one of "+strings.Join(statuses, ", "))
		return
	}
	for _, n := range []string{"orderby", "ordering"} {
		if v := q.Get(n); v != "" && !contains([]string{"INSERTED_DATE", "IUPD", "STATUS", "COMPANY_NAME", "ASC", "DESC"}, v) {
			problem(w, http.StatusBadRequest, "BAD REQUEST", n+": "+v)
			return
		}
	}
	// The date-time interval: a missing end is 30 days from the other.
	var from, to time.Time
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"payment_date_time_from", &from}, {"payment_date_time_to", &to}} {
		if v := q.Get(p.name); v != "" {
			t, err := time.ParseInLocation(gpd.DateTimeLayout, v, time.UTC)
			if err != nil {
				problem(w, http.StatusBadRequest, "BAD REQUEST", p.name+": "+v+": want yyyy-MM-ddTHH:mm:ss")
				return
			}
			*p.t = t
		}
	}
	if (q.Get("due_date_from") != "" || q.Get("due_date_to") != "") && (q.Get("payment_date_from") != "" || q.Get("payment_date_to") != "" || !from.IsZero() || !to.IsZero()) {
		problem(w, http.StatusBadRequest, "BAD REQUEST", "The due dates interval is mutually exclusive with the payment dates interval")
		return
	}
	switch {
	case !from.IsZero() && to.IsZero():
		to = from.AddDate(0, 0, 30)
	case from.IsZero() && !to.IsZero():
		from = to.AddDate(0, 0, -30)
	}
	// GPD's max.days.interval: at most 30 days between from and to.
	if !from.IsZero() && (to.Before(from) || to.Sub(from) >= 31*24*time.Hour) {
		problem(w, http.StatusBadRequest, "The debt positions cannot be recovered",
			"Debt positions cannot be recovered. Verify that due_date_to >= due_date_from and that the interval between the two dates not exceed the maximum number of days allowed")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var sel []*position
	for _, k := range s.order {
		p := s.positions[k]
		if p.org != org {
			continue
		}
		s.expireLocked(p)
		if status != "" && p.status != status {
			continue
		}
		if !from.IsZero() && (p.paidAt.IsZero() || p.paidAt.Before(from) || p.paidAt.After(to)) {
			continue
		}
		sel = append(sel, p)
	}
	desc := q.Get("ordering") != "ASC" // DESC is the default
	less := func(a, b *position) bool {
		switch q.Get("orderby") {
		case "IUPD":
			return a.req.IUPD < b.req.IUPD
		case "STATUS":
			return a.status < b.status
		case "COMPANY_NAME":
			return a.req.CompanyName < b.req.CompanyName
		}
		return a.inserted.Before(b.inserted)
	}
	sort.SliceStable(sel, func(i, j int) bool {
		if desc {
			return less(sel[j], sel[i])
		}
		return less(sel[i], sel[j])
	})
	out := gpd.PositionsPage{Positions: []gpd.PositionResponse{}, PageInfo: gpd.PageInfo{Page: page, Limit: limit, ItemsFound: len(sel), TotalPages: (len(sel) + limit - 1) / limit}}
	for i := page * limit; i < len(sel) && i < (page+1)*limit; i++ {
		out.Positions = append(out.Positions, s.responseLocked(sel[i]))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Sim) invalidate(w http.ResponseWriter, org, iupd string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.foundLocked(w, org, iupd)
	if p == nil {
		return
	}
	s.expireLocked(p)
	if p.status != gpd.StatusValid && p.status != gpd.StatusPublished {
		problem(w, http.StatusConflict, "Existing related payment found or not in invalidable state",
			fmt.Sprintf("A payment transaction has already been carried out or, the debt position with Organization Fiscal Code %s and IUPD %s, is not in invalidable state", org, iupd))
		return
	}
	p.status, p.updated = gpd.StatusInvalid, s.now().UTC()
	writeJSON(w, http.StatusOK, s.responseLocked(p))
}

func (s *Sim) markPaid(w http.ResponseWriter, org, nav string, body []byte) {
	var in struct {
		PaymentDate *gpd.Time `json:"paymentDate"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		problem(w, http.StatusBadRequest, "BAD REQUEST", "JSON parse error: "+err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	iupd, ok := s.navs[org+"\x00"+nav]
	if !ok {
		problem(w, http.StatusNotFound, "Not found the payment option", fmt.Sprintf("Not found a payment option for Organization Fiscal Code %s and NAV %s", org, nav))
		return
	}
	p := s.positions[org+"\x00"+iupd]
	s.expireLocked(p)
	var o *gpd.OptionResponse
	for i := range p.options {
		if p.options[i].NAV == nav {
			o = &p.options[i]
		}
	}
	switch {
	case o.Status != gpd.OptionUnpaid:
		problem(w, http.StatusConflict, "Existing related payment found", fmt.Sprintf("A payment transaction has already been carried out for the Organization Fiscal Code %s and NAV %s", org, nav))
		return
	case p.status != gpd.StatusValid && p.status != gpd.StatusPublished:
		problem(w, http.StatusUnprocessableEntity, "Not in payable state", fmt.Sprintf("The payment option with Organization Fiscal Code %s and NAV %s is not in payable state", org, nav))
		return
	}
	at := gpd.At(s.now())
	if in.PaymentDate != nil {
		at = *in.PaymentDate
	}
	o.Status, o.PaymentDate, o.PaymentMethod, o.LastUpdatedDate = gpd.OptionPaid, &at, "By Organization", &at
	p.status, p.paidAt, p.updated = gpd.StatusPaid, at.Time, s.now().UTC()
	writeJSON(w, http.StatusOK, *o)
}

// --- HTTP helpers

func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	var b bytes.Buffer
	_, err := b.ReadFrom(http.MaxBytesReader(nil, r.Body, 1<<20))
	return b.Bytes(), err
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func problem(w http.ResponseWriter, status int, title, detail string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(gpd.Problem{Title: title, Status: status, Detail: detail})
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}
