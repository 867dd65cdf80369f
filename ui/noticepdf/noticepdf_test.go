package noticepdf

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io/fs"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"

	"mensakiosk/app"
	"mensakiosk/app/pagopa"
	"mensakiosk/assets"
)

// catalogue is the notice's part of the real translation catalogue
// (assets/i18n/<lang>.notice.json), read without package ui (which would
// bring Fyne in). A key it lacks fails the test.
type catalogue struct {
	t     *testing.T
	texts map[string]string
}

func loadCatalogue(t *testing.T, lang string) catalogue {
	t.Helper()
	return catalogueOf(t, lang, "notice")
}

// catalogueOf is the real catalogue's parts named (assets/i18n/<lang>.<part>.json), merged.
func catalogueOf(t *testing.T, lang string, parts ...string) catalogue {
	t.Helper()
	c := catalogue{t: t, texts: map[string]string{}}
	for _, part := range parts {
		raw, err := fs.ReadFile(assets.I18N, "i18n/"+lang+"."+part+".json")
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &c.texts); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func (c catalogue) T(key string, args ...any) string {
	s, ok := c.texts[key]
	if !ok {
		c.t.Errorf("key %q is not in the notice catalogue", key)
		return key
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

// firstExample is the first row of the spec's QR table, as a notice.
func firstExample() app.Notice {
	return app.Notice{
		IUPD:             "mensa-000001",
		NoticeCode:       "301000000000000144",
		AccountID:        "fam-1",
		DebtorFiscalCode: "RSSMRA80A01H501U",
		DebtorName:       "Mario Rossi",
		Amount:           2500,
		Subject:          "ricarica conto mensa scolastica",
		DueDate:          "2026-12-31",
		State:            app.NoticeValid,
		Created:          time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC),
		Creditor: app.Creditor{
			FiscalCode: "99999000013",
			Name:       "Comune di Città di Prova",
			Sector:     "Servizi educativi — mensa",
			Contacts:   "mensa@comune.example.it, 051 000000",
			CBILL:      "AB123",
		},
	}
}

// pdfDoc is what the tests read back from an uncompressed PDF: its text,
// one string per text operator, and the QR's filled rectangles.
type pdfDoc struct {
	raw   []byte
	lines []string
	// textPos are the text origins, in points from the bottom left.
	textPos [][2]float64
	rects   [][4]float64
}

// text is the document's text, its lines joined by spaces (wrapped
// paragraphs read on).
func (d pdfDoc) text() string { return strings.Join(d.lines, " ") }

var (
	objRE     = regexp.MustCompile(`(?s)(\d+) 0 obj\n(.*?)endobj`)
	fontRefRE = regexp.MustCompile(`/F(\d+) (\d+) 0 R`)
	toUniRE   = regexp.MustCompile(`/ToUnicode (\d+) 0 R`)
	bfRE      = regexp.MustCompile(`<([0-9A-F]{4})><([0-9A-F]{4})><([0-9A-F]{4})>`)
	opRE      = regexp.MustCompile(`(?m)^(?:/F(\d+) [\d.]+ Tf.*|\[<(.*)>\] TJ|([\d.-]+) ([\d.-]+) TD|([\d.-]+) ([\d.-]+) ([\d.-]+) ([\d.-]+) re f)$`)
)

// readPDF decodes gopdf's uncompressed output: each font's ToUnicode map
// turns the glyph ids of the TJ operators back into text.
func readPDF(t *testing.T, raw []byte) pdfDoc {
	t.Helper()
	if !bytes.HasPrefix(raw, []byte("%PDF-")) || !bytes.HasSuffix(bytes.TrimSpace(raw), []byte("%%EOF")) {
		t.Fatalf("not a PDF: starts %q, ends %q", raw[:min(8, len(raw))], raw[max(0, len(raw)-8):])
	}
	objs := map[string]string{}
	for _, m := range objRE.FindAllSubmatch(raw, -1) {
		objs[string(m[1])] = string(m[2])
	}
	fonts := map[string]map[uint16]rune{}
	for _, o := range objs {
		for _, m := range fontRefRE.FindAllStringSubmatch(o, -1) {
			u := toUniRE.FindStringSubmatch(objs[m[2]])
			if u == nil {
				t.Fatalf("font F%s has no ToUnicode map", m[1])
			}
			cmap := map[uint16]rune{}
			for _, b := range bfRE.FindAllStringSubmatch(objs[u[1]], -1) {
				g, _ := strconv.ParseUint(b[1], 16, 16)
				r, _ := strconv.ParseUint(b[3], 16, 16)
				cmap[uint16(g)] = rune(r)
			}
			fonts[m[1]] = cmap
		}
	}
	if len(fonts) == 0 {
		t.Fatal("no fonts found")
	}
	d := pdfDoc{raw: raw}
	font := ""
	for _, m := range opRE.FindAllStringSubmatch(string(raw), -1) {
		switch {
		case m[1] != "":
			font = m[1]
		case m[2] != "" || strings.HasSuffix(m[0], "TJ"):
			var b strings.Builder
			hex := regexp.MustCompile(`>-?\d+<`).ReplaceAllString(m[2], "") // kerning
			for i := 0; i+4 <= len(hex); i += 4 {
				g, err := strconv.ParseUint(hex[i:i+4], 16, 16)
				r, ok := fonts[font][uint16(g)]
				if err != nil || !ok {
					t.Fatalf("glyph %s of font F%s has no character", hex[i:i+4], font)
				}
				b.WriteRune(r)
			}
			d.lines = append(d.lines, b.String())
		case m[3] != "":
			x, _ := strconv.ParseFloat(m[3], 64)
			y, _ := strconv.ParseFloat(m[4], 64)
			d.textPos = append(d.textPos, [2]float64{x, y})
		case m[5] != "":
			var r [4]float64
			for i := range r {
				r[i], _ = strconv.ParseFloat(m[5+i], 64)
			}
			d.rects = append(d.rects, r)
		}
	}
	return d
}

func write(t *testing.T, n app.Notice, lang string) pdfDoc {
	t.Helper()
	noCompression = true
	t.Cleanup(func() { noCompression = false })
	var buf bytes.Buffer
	if err := Write(&buf, n, loadCatalogue(t, lang)); err != nil {
		t.Fatal(err)
	}
	return readPDF(t, buf.Bytes())
}

// inOrder checks that the texts appear in the document in this order.
func inOrder(t *testing.T, doc string, texts ...string) {
	t.Helper()
	at := 0
	for _, s := range texts {
		i := strings.Index(doc[at:], s)
		if i < 0 {
			t.Errorf("%q missing (or out of order) after offset %d in:\n%s", s, at, doc)
			return
		}
		at += i + len(s)
	}
}

func TestFirstExample(t *testing.T) {
	doc := write(t, firstExample(), "it")
	text := doc.text()
	// The spec's blocks in order: header, creditor, recipient, amount and
	// due date, where to pay, payment data.
	inOrder(t, text,
		"Avviso di pagamento", "Ricarica conto mensa scolastica",
		"Ente creditore", "Comune di Città di Prova", "99999000013", "Servizi educativi — mensa", "mensa@comune.example.it",
		"Destinatario avviso", "Mario Rossi", "RSSMRA80A01H501U",
		"25,00 €", "Da pagare entro il 31/12/2026",
		"Dove pagare", "app IO", "home banking", "tabaccai",
		"Dati per il pagamento", "Inquadra il codice QR",
		"Codice avviso", "3010 0000 0000 0001 44", "Codice CBILL", "AB123", "99999000013", "Importo", "25,00 €")
	if strings.Contains(text, "Senza scadenza") || strings.Contains(text, "Pagato") {
		t.Error("a notice with a due date, still payable, shows the no-due-date or paid text")
	}
	// Everything is on the A4 page, inside a margin.
	for _, p := range doc.textPos {
		if p[0] < 28 || p[0] > 595-28 || p[1] < 28 || p[1] > 842-28 {
			t.Errorf("text at (%.0f, %.0f) pt is outside the page's margins", p[0], p[1])
		}
	}
}

func TestEnglishAndVariants(t *testing.T) {
	n := firstExample()
	n.DueDate = ""
	n.State = app.NoticePaid
	n.Creditor.CBILL = ""
	n.Creditor.Sector, n.Creditor.Contacts = "", ""
	n.Amount = 5
	text := write(t, n, "en").text()
	inOrder(t, text, "Payment notice", "Creditor", "0,05 €", "No due date", "Paid", "Where to pay", "Notice code", "3010 0000 0000 0001 44")
	for _, s := range []string{"To be paid by", "CBILL", "Department", "Contacts"} {
		if strings.Contains(text, s) {
			t.Errorf("%q shown without its data", s)
		}
	}
}

func TestLimits(t *testing.T) {
	n := firstExample()
	n.Subject = "MENSA " + strings.Repeat("ABCDEFGHIJ", 12)
	n.Creditor.Name = strings.Repeat("Comune ", 10)
	n.DebtorName = "Maria Antonietta Giuseppina Della Rovere Sforza"
	text := write(t, n, "it").text()
	subject := "Mensa " + strings.Repeat("abcdefghij", 9)[:83] + "…"
	if len([]rune(subject)) != MaxSubject {
		t.Fatalf("test subject has %d characters", len([]rune(subject)))
	}
	// A long word wraps mid-word: compare without spaces.
	squeeze := func(s string) string { return strings.Join(strings.Fields(s), "") }
	for _, want := range []string{subject, strings.TrimSpace(strings.Repeat("Comune ", 7)) + "…", "Maria Antonietta Giuseppina Della…"} {
		if !strings.Contains(squeeze(text), squeeze(want)) {
			t.Errorf("%q not in the notice:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Sforza") || strings.Contains(text, strings.Repeat("Comune ", 8)) {
		t.Error("over-long field printed in full")
	}
	for _, tc := range []struct{ in, want string }{
		{"ricarica mensa", "Ricarica mensa"},
		{"RICARICA MENSA", "Ricarica mensa"},
		{"Ricarica mensa Comune di Bologna", "Ricarica mensa Comune di Bologna"},
		{"", ""},
	} {
		if got := sentenceCase(tc.in); got != tc.want {
			t.Errorf("sentenceCase(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"Comune di Bologna", "CB"}, {"Comune di Città di Prova", "CCP"}, {"Rho", "R"}, {"", ""},
	} {
		if got := initials(tc.in); got != tc.want {
			t.Errorf("initials(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestBadNotice(t *testing.T) {
	for name, change := range map[string]func(*app.Notice){
		"short code":  func(n *app.Notice) { n.NoticeCode = "30100000000000014" },
		"aux 7":       func(n *app.Notice) { n.NoticeCode = "701000000000000144" },
		"zero amount": func(n *app.Notice) { n.Amount = 0 },
		"huge amount": func(n *app.Notice) { n.Amount = app.Cents(pagopa.MaxAmount + 1) },
		"creditor cf": func(n *app.Notice) { n.Creditor.FiscalCode = "0000000000" },
		"due date":    func(n *app.Notice) { n.DueDate = "31/12/2026" },
	} {
		n := firstExample()
		change(&n)
		var buf bytes.Buffer
		err := Write(&buf, n, loadCatalogue(t, "it"))
		if err == nil || buf.Len() != 0 {
			t.Errorf("%s: err %v, %d bytes written", name, err, buf.Len())
		}
	}
	// A writer that fails gets the error back.
	if err := Write(failWriter{}, firstExample(), loadCatalogue(t, "it")); !errors.Is(err, errDiskFull) {
		t.Errorf("failing writer: %v", err)
	}
}

var errDiskFull = errors.New("disk full")

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errDiskFull }

// TestQRDecodes rebuilds the printed QR from its filled rectangles and
// reads it back: the payload of the spec's first example, modules of
// 25/33 mm.
func TestQRDecodes(t *testing.T) {
	doc := write(t, firstExample(), "it")
	if len(doc.rects) == 0 {
		t.Fatal("no filled rectangles")
	}
	const mm = 72 / 25.4
	module := QRSide / 33 * mm
	minX, maxTop := math.Inf(1), math.Inf(-1)
	for _, r := range doc.rects {
		if math.Abs(r[3]-module) > 0.01 {
			t.Fatalf("rectangle %v is not one module (%.3f pt) high", r, module)
		}
		minX, maxTop = math.Min(minX, r[0]), math.Max(maxTop, r[1]+r[3])
	}
	const quiet, scale = 4, 8
	size := 33 + 2*quiet
	img := image.NewGray(image.Rect(0, 0, size*scale, size*scale))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	maxCol, maxRow := 0, 0
	for _, r := range doc.rects {
		col := int(math.Round((r[0] - minX) / module))
		row := int(math.Round((maxTop - r[1] - r[3]) / module))
		w := int(math.Round(r[2] / module))
		maxCol, maxRow = max(maxCol, col+w-1), max(maxRow, row)
		for c := col; c < col+w; c++ {
			for y := 0; y < scale; y++ {
				for x := 0; x < scale; x++ {
					img.SetGray((c+quiet)*scale+x, (row+quiet)*scale+y, color.Gray{})
				}
			}
		}
	}
	if maxCol != 32 || maxRow != 32 {
		t.Errorf("QR spans %d×%d modules, want 33×33", maxCol+1, maxRow+1)
	}
	if want, got := "PAGOPA|002|301000000000000144|99999000013|2500", decodePrinted(t, img, "QR"); got != want {
		t.Errorf("printed QR reads %q, want %q", got, want)
	}
}

// decodePrinted decodes the QR code drawn in img with an independent
// decoder (gozxing), as a phone reads the printed sheet; what names it in
// the failure.
func decodePrinted(t *testing.T, img image.Image, what string) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := zxqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("printed %s does not decode: %v", what, err)
	}
	return res.GetText()
}
