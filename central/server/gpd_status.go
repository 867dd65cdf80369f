package server

import (
	"fmt"

	"mensakiosk/central/server/kv"
)

// What `central status` says of pagoPA.
const (
	PagoPANotPayable = "NOT PAYABLE: pagoPA GPD is not configured; notices exist on this server only (demo and tests)"
	pagoPAPayable    = "payable: notices are published on pagoPA GPD at "
)

// gpdCounts fills the pagoPA part of Counts.
func (s *Server) gpdCounts(tx kv.Tx, c *Counts) error {
	if s.pagopa.gpd == nil {
		c.PagoPA = PagoPANotPayable
	} else {
		c.PagoPA = pagoPAPayable + s.pagopa.gpd.url
	}
	var err error
	c.GPDPending, c.GPDUnavailable, err = gpdOutboxLen(tx)
	if s.pagopa.gpd == nil && c.GPDPending > 0 {
		// The database was served with GPD: this process lacks its settings.
		c.PagoPA = fmt.Sprintf("not configured in this process: %d operations wait for pagoPA GPD (the server sends them when it runs with GPD configured; give a command the server's -config)", c.GPDPending)
	}
	return err
}
