package main

import (
	"flag"
	"fmt"
	"io"

	"mensakiosk/app"
	"mensakiosk/central/server"
)

// The office's messages to families (comunicazioni):
//
//	central message  -data DIR -to AUDIENCE -title TEXT [-body TEXT] [-url LINK]
//	central messages -data DIR [-json]
//
// AUDIENCE is family:ACCOUNT_ID, class:SCHOOL/CLASS, school:SCHOOL or all.
// Like the other administration commands they open the database, or reach
// the running server through its admin socket.

// messageOps are the message operations, on a *server.Server or a
// *server.AdminClient.
type messageOps interface {
	SendMessage(m app.Message) (app.Message, error)
	Messages() ([]server.MessageSummary, error)
}

var (
	_ messageOps = (*server.Server)(nil)
	_ messageOps = (*server.AdminClient)(nil)
)

func messageCmd(cmd string, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./central-data", "data directory (holds central.db)")
	to := fs.String("to", "", "whom (message): family:ACCOUNT_ID, class:SCHOOL/CLASS, school:SCHOOL or all")
	title := fs.String("title", "", "the message's title (message)")
	body := fs.String("body", "", "the message's text (message)")
	link := fs.String("url", "", "a link the family takes home as a QR code (message), http(s)")
	asJSON := fs.Bool("json", false, "JSON output")
	base, err := parseFlagsOnly(fs, args, data) // command_setup.go
	if err != nil {
		return err
	}
	var m app.Message
	if cmd == "message" {
		if *to == "" || *title == "" {
			return usageError{"-to AUDIENCE and -title TEXT are required"}
		}
		aud, err := app.ParseAudience(*to)
		if err != nil {
			return usageError{fmt.Sprintf("-to: %v", err)}
		}
		m = app.Message{Title: *title, Body: *body, URL: *link, Audience: aud}
		if err := m.Check(); err != nil {
			return usageError{err.Error()}
		}
	}
	mo, done, err := openOps[messageOps](*data, stderr, base, true) // command_setup.go
	if err != nil {
		return err
	}
	defer done()
	switch cmd {
	case "message":
		sent, err := mo.SendMessage(m)
		if err != nil {
			return err
		}
		if *asJSON {
			return jsonLines(stdout, []app.Message{sent})
		}
		fmt.Fprintf(stdout, "message %s sent to %s\n", sent.ID, sent.Audience)
	case "messages":
		ms, err := mo.Messages()
		if err != nil {
			return err
		}
		if *asJSON {
			return jsonLines(stdout, ms)
		}
		for _, s := range ms {
			fmt.Fprintf(stdout, "%s  %s  %-24s read by %d  %s\n", s.ID, s.Sent.Local().Format("2006-01-02 15:04"), s.Audience, s.Reads, s.Title)
		}
		fmt.Fprintf(stdout, "%d messages\n", len(ms))
	}
	if srv, ok := mo.(*server.Server); ok {
		return srv.Close()
	}
	return nil
}
