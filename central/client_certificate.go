package central

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"mensakiosk/app"
)

var _ app.CertificateCentral = (*Client)(nil)

// Certificate reads a family's yearly certificate for the tax return
// (GET /v1/certificates/{account}?year=). It is retried like the other
// GETs. The reply is checked: the family and year asked for, and the
// children's shares adding up to the total.
func (c *Client) Certificate(ctx context.Context, a app.AccountID, year int) (app.FamilyCertificate, error) {
	op := "GET " + PathCertificates
	if a == "" || year < app.MinCertificateYear {
		return app.FamilyCertificate{}, fmt.Errorf("central: %s: %w: account %q, year %d", op, app.ErrBadRequest, a, year)
	}
	path := PathCertificates + url.PathEscape(string(a))
	r := c.request(ctx, true, true).SetQueryParam("year", strconv.Itoa(year))
	body, err := c.do(ctx, r, http.MethodGet, path)
	if err != nil {
		return app.FamilyCertificate{}, counterNotFound(err)
	}
	var cert app.FamilyCertificate
	if err := decodeJSON(body, &cert); err != nil {
		return app.FamilyCertificate{}, c.malformed("GET", PathCertificates, err)
	}
	var sum app.Cents
	for _, ch := range cert.Children {
		sum += ch.Amount
	}
	switch {
	case cert.AccountID != a || cert.Year != year:
		err = fmt.Errorf("%w: asked for account %s, %d; got %s, %d", ErrMalformedReply, a, year, cert.AccountID, cert.Year)
	case cert.Total < 0 || len(cert.Children) > 0 && sum != cert.Total:
		err = fmt.Errorf("%w: the children's amounts add up to %d cents, the total is %d", ErrMalformedReply, sum, cert.Total)
	}
	if err != nil {
		return app.FamilyCertificate{}, c.malformed("GET", PathCertificates, err)
	}
	return cert, nil
}
