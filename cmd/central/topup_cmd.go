package main

import (
	"flag"
	"fmt"
	"io"
	"slices"

	"mensakiosk/app"
	"mensakiosk/app/pagopa"
	"mensakiosk/central/server"
)

// The office's pagoPA commands:
//
//	central paid       -data DIR -notice CODE [-psp NAME] [-receipt ID] [-amount CENTS]
//	central invalidate -data DIR -notice CODE -reason TEXT
//	central notices    -data DIR -account ID [-json]
//	central token      -data DIR -receipts NAME    a receipts token (only POST /v1/receipts)
//
// Like the other administration commands they open the database, or
// reach the running server through its admin socket.

// topUpOps are the pagoPA operations, on a *server.Server or a
// *server.AdminClient.
type topUpOps interface {
	MarkPaid(code, psp, receiptID string, amount app.Cents) (app.Notice, error)
	InvalidateNotice(code, reason string) (app.Notice, error)
	FamilyNotices(a app.AccountID) ([]app.Notice, error)
	CreateReceiptToken(name string) (string, error)
}

var (
	_ topUpOps = (*server.Server)(nil)
	_ topUpOps = (*server.AdminClient)(nil)
)

// isReceiptsToken tells `central token -receipts NAME` from a kiosk's
// token command.
func isReceiptsToken(cmd string, args []string) bool {
	if cmd != "token" {
		return false
	}
	return slices.ContainsFunc(args, func(a string) bool {
		for _, f := range []string{"-receipts", "--receipts"} {
			if a == f || len(a) > len(f) && a[:len(f)+1] == f+"=" {
				return true
			}
		}
		return false
	})
}

func topUpCmd(cmd string, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./central-data", "data directory (holds central.db)")
	notice := fs.String("notice", "", "notice code, 18 digits (paid, invalidate)")
	psp := fs.String("psp", "", "payment service provider's name (paid); default "+server.OfficePSP)
	receipt := fs.String("receipt", "", "receipt id (paid); default office-<notice>, so running it twice credits once")
	amount := fs.Int64("amount", 0, "cents paid (paid); default the notice's amount")
	reason := fs.String("reason", "", "why the notice is withdrawn (invalidate)")
	account := fs.String("account", "", "family account id (notices)")
	receipts := fs.String("receipts", "", "name of the receipts token (token)")
	asJSON := fs.Bool("json", false, "JSON output")
	base, err := parseFlagsOnly(fs, args, data) // command_setup.go
	if err != nil {
		return err
	}
	switch cmd {
	case "paid", "invalidate":
		if *notice == "" {
			return usageError{"-notice CODE is required"}
		}
		nc, err := pagopa.ParseNoticeCode(*notice)
		if err != nil {
			return usageError{fmt.Sprintf("-notice: %v", err)}
		}
		*notice = nc.Code
		if cmd == "invalidate" && *reason == "" {
			return usageError{"-reason TEXT is required: say why the notice is withdrawn"}
		}
		if *amount < 0 {
			return usageError{"-amount: cents above 0"}
		}
	case "notices":
		if *account == "" {
			return usageError{"-account ID is required"}
		}
	case "receipts-token":
		if *receipts == "" {
			return usageError{"-receipts NAME is required"}
		}
	}
	// Reading commands must not create a data directory by mistake.
	t, done, err := openOps[topUpOps](*data, stderr, base, cmd != "receipts-token") // command_setup.go
	if err != nil {
		return err
	}
	defer done()
	var n app.Notice
	switch cmd {
	case "paid":
		if n, err = t.MarkPaid(*notice, *psp, *receipt, app.Cents(*amount)); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "notice %s paid: %s credited to account %s\n", pagopa.GroupNoticeCode(n.NoticeCode), euros(n.Receipt.Amount), n.AccountID)
		gpdFlush(t, stdout) // config_cmd.go
	case "invalidate":
		if n, err = t.InvalidateNotice(*notice, *reason); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "notice %s: %s\n", pagopa.GroupNoticeCode(n.NoticeCode), n.State)
		gpdFlush(t, stdout) // config_cmd.go
	case "notices":
		ns, err := t.FamilyNotices(app.AccountID(*account))
		if err != nil {
			return err
		}
		if *asJSON {
			return jsonLines(stdout, ns)
		}
		for _, n := range ns {
			paid := ""
			if n.Publication != "" { // not (yet) on pagoPA GPD: not payable
				paid = "  NOT PAYABLE: pagoPA " + string(n.Publication)
			}
			if n.Receipt != nil {
				paid = fmt.Sprintf("  receipt %s %s %s", n.Receipt.ReceiptID, n.Receipt.PaidAt.Local().Format("2006-01-02 15:04"), euros(n.Receipt.Amount))
			}
			fmt.Fprintf(stdout, "%s  %s  %-7s %10s  due %s%s\n", n.Created.Local().Format("2006-01-02 15:04"),
				pagopa.GroupNoticeCode(n.NoticeCode), n.State, euros(n.Amount), n.DueDate, paid)
		}
		fmt.Fprintf(stdout, "%d notices\n", len(ns))
	case "receipts-token":
		tok, err := t.CreateReceiptToken(*receipts)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "receipts token %s (shown once; valid only for POST /v1/receipts):\n", *receipts)
		fmt.Fprintln(stdout, tok)
	}
	if srv, ok := t.(*server.Server); ok {
		return srv.Close()
	}
	return nil
}

// euros writes cents as the office reads them: "25,00 €".
func euros(c app.Cents) string { return pagopa.FormatEuro(int64(c)) }
