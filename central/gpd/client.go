package gpd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"
)

// Client calls GPD for one creditor (the Comune's fiscal code). It makes
// one attempt per call: retries and backoff are the caller's, which knows
// what is safe to repeat.
type Client struct {
	r   *resty.Client
	org string
}

// DefaultTimeout bounds one call.
const DefaultTimeout = 20 * time.Second

// NewClient makes a client of the GPD at baseURL (…/debt-positions-service/v1)
// for the creditor org, authenticated by key. hc nil is a client with
// DefaultTimeout.
func NewClient(baseURL, key, org string, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: DefaultTimeout}
	}
	r := resty.NewWithClient(hc).
		SetBaseURL(strings.TrimRight(baseURL, "/")).
		SetHeader(HeaderKey, key).
		SetHeader("Accept", "application/json").
		// resty's own logger writes plain lines on stderr, which carries
		// JSON log lines only: it is silenced, the errors are returned.
		SetLogger(quietLogger{}).
		SetDebug(false)
	return &Client{r: r, org: org}
}

type quietLogger struct{}

func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Warnf(string, ...any)  {}
func (quietLogger) Debugf(string, ...any) {}

// Error is an answer of GPD other than the expected one.
type Error struct {
	// Status is the HTTP status; 0 when no answer came (network, timeout).
	Status int
	// Problem is GPD's body, when it sent a problem JSON.
	Problem Problem
	// RequestID is the answer's X-Request-Id.
	RequestID string
	// RetryAfter is the wait a 429 or 503 asked for (0: none said).
	RetryAfter time.Duration
	// Op names the call ("create", "get", …); Err is the transport's
	// error when there was no answer.
	Op  string
	Err error
}

func (e *Error) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("GPD %s: no answer: %v", e.Op, e.Err)
	}
	msg := fmt.Sprintf("GPD %s: HTTP %d", e.Op, e.Status)
	if e.Problem.Title != "" {
		msg += ": " + e.Problem.Title
	}
	if e.Problem.Detail != "" {
		msg += ": " + e.Problem.Detail
	}
	if e.RequestID != "" {
		msg += " (X-Request-Id " + e.RequestID + ")"
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Transient tells whether trying again later may succeed: no answer, 429,
// 5xx. A 401 or 403 (a wrong key) is not transient but not a refusal of
// the position either: see Refused.
func (e *Error) Transient() bool {
	return e.Status == 0 || e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// StatusOf is err's HTTP status (0 when err is not an *Error or no answer
// came).
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// IsTransient tells whether err may pass by itself (see Error.Transient);
// an error that is no *Error (a context's) is transient.
func IsTransient(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return e.Transient()
	}
	return err != nil
}

// RetryAfterOf is the wait err asked for, or 0.
func RetryAfterOf(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

func (c *Client) orgPath() string { return "/organizations/" + url.PathEscape(c.org) }

// do runs one call and decodes a 2xx answer into out (when not nil).
func (c *Client) do(ctx context.Context, op, method, path string, query url.Values, body, out any, want ...int) error {
	req := c.r.R().SetContext(ctx).SetDoNotParseResponse(true)
	if query != nil {
		req.SetQueryParamsFromValues(query)
	}
	if body != nil {
		req.SetHeader("Content-Type", "application/json").SetBody(body)
	}
	resp, err := req.Execute(method, path)
	if err != nil {
		return &Error{Op: op, Err: scrub(err)}
	}
	raw := resp.RawBody()
	defer raw.Close()
	data, rerr := io.ReadAll(io.LimitReader(raw, 8<<20))
	status := resp.StatusCode()
	ok := false
	for _, w := range want {
		ok = ok || status == w
	}
	if !ok {
		e := &Error{Op: op, Status: status, RequestID: resp.Header().Get(HeaderRequestID)}
		_ = json.Unmarshal(data, &e.Problem)
		if len(e.Problem.Detail) > 500 {
			e.Problem.Detail = e.Problem.Detail[:500]
		}
		if s, err := strconv.Atoi(resp.Header().Get("Retry-After")); err == nil && s > 0 {
			e.RetryAfter = time.Duration(s) * time.Second
		}
		return e
	}
	if rerr != nil {
		return &Error{Op: op, Err: rerr}
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return &Error{Op: op, Status: status, Err: fmt.Errorf("decoding the answer: %w", err)}
		}
	}
	return nil
}

// scrub keeps a transport error's kind and drops nothing secret: the key
// is a header, which url.Error never prints; the error is returned as is
// but its URL has its query removed (it holds no key either, but filters
// make it long).
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		u := ue.URL
		if i := strings.IndexByte(u, '?'); i >= 0 {
			u = u[:i]
		}
		return &url.Error{Op: ue.Op, URL: u, Err: ue.Err}
	}
	return err
}

// Create creates a position, published when toPublish. A 409 is returned
// as an *Error with Status 409: the position (or one of its IUVs) exists.
func (c *Client) Create(ctx context.Context, p Position, toPublish bool) (PositionResponse, error) {
	var out PositionResponse
	q := url.Values{"toPublish": {strconv.FormatBool(toPublish)}}
	err := c.do(ctx, "create", http.MethodPost, c.orgPath()+"/debtpositions", q, p, &out, http.StatusCreated)
	return out, err
}

// Get reads one position; a missing one is an *Error with Status 404.
func (c *Client) Get(ctx context.Context, iupd string) (PositionResponse, error) {
	var out PositionResponse
	err := c.do(ctx, "get", http.MethodGet, c.orgPath()+"/debtpositions/"+url.PathEscape(iupd), nil, nil, &out, http.StatusOK)
	return out, err
}

// ListQuery filters the list. Zero fields are left out.
type ListQuery struct {
	Page, Limit int
	Status      string
	// PaidFrom and PaidTo filter on the payment date-time.
	PaidFrom, PaidTo time.Time
	OrderBy          string // INSERTED_DATE, IUPD, STATUS, COMPANY_NAME
	Ordering         string // ASC, DESC
}

// List reads one page of the creditor's positions.
func (c *Client) List(ctx context.Context, q ListQuery) (PositionsPage, error) {
	v := url.Values{"page": {strconv.Itoa(q.Page)}}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Status != "" {
		v.Set("status", q.Status)
	}
	if !q.PaidFrom.IsZero() {
		v.Set("payment_date_time_from", q.PaidFrom.UTC().Format(DateTimeLayout))
	}
	if !q.PaidTo.IsZero() {
		v.Set("payment_date_time_to", q.PaidTo.UTC().Format(DateTimeLayout))
	}
	if q.OrderBy != "" {
		v.Set("orderby", q.OrderBy)
	}
	if q.Ordering != "" {
		v.Set("ordering", q.Ordering)
	}
	var out PositionsPage
	err := c.do(ctx, "list", http.MethodGet, c.orgPath()+"/debtpositions", v, nil, &out, http.StatusOK)
	return out, err
}

// Invalidate withdraws a position: 404 (unknown) and 409 (not
// invalidable: paid, expired, invalid already) come back as *Error.
func (c *Client) Invalidate(ctx context.Context, iupd string) error {
	return c.do(ctx, "invalidate", http.MethodPost, c.orgPath()+"/debtpositions/"+url.PathEscape(iupd)+"/invalidate", nil, nil, nil, http.StatusOK)
}

// MarkPaid marks an option paid outside pagoPA (cash at the office): 404
// (no such option), 409 (paid already) and 422 (not payable) come back as
// *Error.
func (c *Client) MarkPaid(ctx context.Context, nav string, at time.Time) error {
	return c.do(ctx, "mark paid", http.MethodPost, c.orgPath()+"/paymentoptions/paids/"+url.PathEscape(nav), nil, AlreadyPaid{PaymentDate: At(at)}, nil, http.StatusOK)
}

// Info is GPD's health call.
func (c *Client) Info(ctx context.Context) error {
	return c.do(ctx, "info", http.MethodGet, "/info", nil, nil, nil, http.StatusOK)
}
