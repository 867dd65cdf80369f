package server

import (
	bolt "go.etcd.io/bbolt"
)

// What `central status` says of pagoPA.
const (
	PagoPANotPayable = "NOT PAYABLE: pagoPA GPD is not configured; notices exist on this server only (demo and tests)"
	pagoPAPayable    = "payable: notices are published on pagoPA GPD at "
)

// gpdCounts fills the pagoPA part of Counts.
func (s *Server) gpdCounts(tx *bolt.Tx, c *Counts) error {
	if s.pagopa.gpd == nil {
		c.PagoPA = PagoPANotPayable
	} else {
		c.PagoPA = pagoPAPayable + s.pagopa.gpd.url
	}
	var err error
	c.GPDPending, c.GPDUnavailable, err = gpdOutboxLen(tx)
	return err
}
