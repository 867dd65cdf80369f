package server

import (
	"context"
	"net/http"
	"net/url"

	"mensakiosk/app"
)

// Audit lists staff actions and voids (see Server.Audit).
func (c *AdminClient) Audit(q AuditQuery) ([]AuditEntry, error) {
	var out []AuditEntry
	err := c.do(context.Background(), http.MethodGet, "/admin/audit", q.values(), "", nil, &out)
	return out, err
}

// DayReport computes a day's report on the server (see Server.DayReport).
func (c *AdminClient) DayReport(day app.Day, svc app.Service) (app.DayReport, error) {
	var out app.DayReport
	q := url.Values{"day": {string(day)}}
	if svc != "" {
		q.Set("service", string(svc))
	}
	err := c.do(context.Background(), http.MethodGet, "/admin/report", q, "", nil, &out)
	return out, err
}
