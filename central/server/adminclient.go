package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"mensakiosk/app"
	"mensakiosk/central"
)

// AdminClient speaks the administration API over a running server's
// admin socket (see ListenAdmin). Its methods mirror the Server's, so an
// administration command does the same whether it opened the database
// itself or reached the server that holds it.
type AdminClient struct {
	path string
	http *http.Client
}

// NewAdminClient is a client of the admin socket of dataDir. It connects
// on each request.
func NewAdminClient(dataDir string) *AdminClient {
	path := AdminSocketPath(dataDir)
	var d net.Dialer
	return &AdminClient{path: path, http: &http.Client{
		Timeout: AdminTimeout,
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				return d.DialContext(ctx, "unix", path)
			},
			DisableKeepAlives: true,
		},
	}}
}

// Path is the socket's path.
func (c *AdminClient) Path() string { return c.path }

// AdminError is an error the server answered.
type AdminError struct {
	Status  int
	Code    string
	Message string
}

func (e *AdminError) Error() string { return e.Message }

func (c *AdminClient) do(ctx context.Context, method, path string, q url.Values, contentType string, body []byte, out any) error {
	u := "http://central-admin" + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("admin socket %s: %w", c.path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("admin socket %s: reading the answer: %w", c.path, err)
	}
	if resp.StatusCode != http.StatusOK {
		var ce central.Error
		if json.Unmarshal(data, &ce) != nil || ce.Message == "" {
			ce.Message = fmt.Sprintf("admin socket: %s: %s", resp.Status, strings.TrimSpace(string(data)))
		}
		return &AdminError{Status: resp.StatusCode, Code: ce.Code, Message: ce.Message}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("admin socket %s: the answer: %w", c.path, err)
	}
	return nil
}

// Ping checks that a server answers on the socket, within timeout.
func (c *AdminClient) Ping(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var v struct {
		Status string `json:"status"`
	}
	if err := c.do(ctx, http.MethodGet, "/admin/ping", nil, "", nil, &v); err != nil {
		return err
	}
	if v.Status != "ok" {
		return fmt.Errorf("admin socket %s: unexpected answer to ping", c.path)
	}
	return nil
}

// ImportFiles imports files on the server, in one transaction (see
// Server.ImportFiles).
func (c *AdminClient) ImportFiles(files []ImportFile) (ImportStats, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, f := range files {
		w, err := mw.CreateFormFile("file", f.Name)
		if err != nil {
			return ImportStats{}, err
		}
		if _, err := w.Write(f.Data); err != nil {
			return ImportStats{}, err
		}
	}
	if err := mw.Close(); err != nil {
		return ImportStats{}, err
	}
	var st ImportStats
	err := c.do(context.Background(), http.MethodPost, "/admin/import", nil, mw.FormDataContentType(), body.Bytes(), &st)
	return st, err
}

// CreateToken makes a kiosk's new token for role (see Server.CreateToken).
func (c *AdminClient) CreateToken(kioskID, role string) (string, error) {
	var t AdminToken
	err := c.do(context.Background(), http.MethodPost, "/admin/token", url.Values{"kiosk": {kioskID}, "role": {role}}, "", nil, &t)
	return t.Token, err
}

// RevokeToken revokes a kiosk's token (see Server.RevokeToken).
func (c *AdminClient) RevokeToken(kioskID string) error {
	return c.do(context.Background(), http.MethodPost, "/admin/revoke", url.Values{"kiosk": {kioskID}}, "", nil, nil)
}

// Alarms lists the alarms (see Server.Alarms).
func (c *AdminClient) Alarms() ([]app.Alarm, error) {
	var out []app.Alarm
	err := c.do(context.Background(), http.MethodGet, "/admin/alarms", nil, "", nil, &out)
	return out, err
}

// Kiosks lists the kiosks' contacts as the running server knows them
// (see Server.Kiosks).
func (c *AdminClient) Kiosks() ([]KioskContact, error) {
	var out []KioskContact
	err := c.do(context.Background(), http.MethodGet, "/admin/kiosks", nil, "", nil, &out)
	return out, err
}

// Review lists the events to review (see Server.Review).
func (c *AdminClient) Review() ([]ReviewItem, error) {
	var out []ReviewItem
	err := c.do(context.Background(), http.MethodGet, "/admin/review", nil, "", nil, &out)
	return out, err
}

// Counts are the server's figures (see Server.Counts).
func (c *AdminClient) Counts() (Counts, error) {
	var out Counts
	err := c.do(context.Background(), http.MethodGet, "/admin/status", nil, "", nil, &out)
	return out, err
}
