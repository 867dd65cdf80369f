//go:build demo

package main

import (
	"fmt"

	"mensakiosk/app"
	"mensakiosk/assets/demo"
	"mensakiosk/central/server"
)

// sendDemoMessages sends the demo Comune's messages to families, once: a
// server that holds messages already (the demo started before) gets none
// again.
func sendDemoMessages(srv *server.Server, r app.Roster) error {
	have, err := srv.Messages()
	if err != nil || len(have) > 0 {
		return err
	}
	for _, m := range demo.Messages(r) {
		if _, err := srv.SendMessage(m); err != nil {
			return fmt.Errorf("demo message %q: %w", m.Title, err)
		}
	}
	return nil
}
