package noticepdf

import (
	"bytes"
	"image"
	"image/color"
	"math"
	"strings"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/ui/qr"
)

func paidExample() app.Notice {
	n := firstExample()
	n.State = app.NoticePaid
	n.Receipt = &app.Receipt{ReceiptID: "RCPT-2026-000123", NoticeCode: n.NoticeCode, Amount: 2500,
		PaidAt: time.Date(2026, 12, 6, 9, 15, 0, 0, time.UTC), PSP: "Banca Esempio S.p.A."}
	return n
}

func writeReceipt(t *testing.T, n app.Notice, lang string) pdfDoc {
	t.Helper()
	noCompression = true
	t.Cleanup(func() { noCompression = false })
	var buf bytes.Buffer
	if err := WriteReceipt(&buf, n, loadReceiptCatalogue(t, lang), rome); err != nil {
		t.Fatal(err)
	}
	return readPDF(t, buf.Bytes())
}

func TestReceiptPDF(t *testing.T) {
	text := writeReceipt(t, paidExample(), "it").text()
	inOrder(t, text, "Ricevuta di pagamento",
		"Ente creditore", "Comune di Città di Prova", "99999000013",
		"Pagatore", "Mario Rossi", "RSSMRA80A01H501U",
		"Importo pagato", "25,00 €",
		"Data e ora del pagamento", "06/12/2026 alle 10:15", // 09:15 UTC is 10:15 in Rome
		"Codice avviso", "3010 0000 0000 0001 44",
		"Prestatore di servizi di pagamento (PSP)", "Banca Esempio S.p.A.",
		"Identificativo della ricevuta", "RCPT-2026-000123",
		"Inquadra il codice QR con il telefono")
	if strings.Contains(text, "Dove pagare") || strings.Contains(text, "Da pagare entro") {
		t.Error("the receipt invites paying")
	}
	en := writeReceipt(t, paidExample(), "en").text()
	inOrder(t, en, "Payment receipt", "Amount paid", "25,00 €", "06/12/2026 at 10:15", "Payment service provider (PSP)", "Receipt id")

	var buf bytes.Buffer
	unpaid := firstExample()
	if err := WriteReceipt(&buf, unpaid, loadReceiptCatalogue(t, "it"), rome); err == nil || buf.Len() != 0 {
		t.Errorf("an unpaid notice's receipt: err %v, %d bytes written", err, buf.Len())
	}
}

// TestReceiptPDFQRDecodes rebuilds the printed receipt's QR code from its
// filled rectangles and reads it back: the receipt's text.
func TestReceiptPDFQRDecodes(t *testing.T) {
	n := paidExample()
	doc := writeReceipt(t, n, "it")
	want, err := app.ReceiptQRText(n, rome)
	if err != nil {
		t.Fatal(err)
	}
	modules, err := qr.TextModules(want)
	if err != nil {
		t.Fatal(err)
	}
	const mm = 72 / 25.4
	module := ReceiptQRSide / float64(len(modules)) * mm
	minX, maxTop := math.Inf(1), math.Inf(-1)
	var rects [][4]float64
	for _, r := range doc.rects {
		if math.Abs(r[3]-module) < 0.01 { // the QR's runs (no other filled shape is one module high)
			rects = append(rects, r)
			minX, maxTop = math.Min(minX, r[0]), math.Max(maxTop, r[1]+r[3])
		}
	}
	if len(rects) == 0 {
		t.Fatal("no QR modules in the PDF")
	}
	const scale = 6
	size := len(modules) + 8
	img := image.NewGray(image.Rect(0, 0, size*scale, size*scale))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for _, r := range rects {
		col := int(math.Round((r[0]-minX)/module)) + 8
		row := int(math.Round((maxTop-r[1]-r[3])/module)) + 8
		w := int(math.Round(r[2] / module))
		for c := col; c < col+w; c++ {
			for y := 0; y < scale; y++ {
				for x := 0; x < scale; x++ {
					img.SetGray(c*scale+x, row*scale+y, color.Gray{})
				}
			}
		}
	}
	if got := decodePrinted(t, img, "receipt QR"); got != want {
		t.Errorf("printed receipt QR reads\n%s\nwant\n%s", got, want)
	}
}
