package ui

import (
	"testing"

	"mensakiosk/app"
)

// TestReportColumnKeysTranslated: every figure of the report (defined once
// in app.ReportColumns) has its screen title and CSV heading in each
// language, and the service is named, not shown as its code.
func TestReportColumnKeysTranslated(t *testing.T) {
	for _, lang := range Languages() {
		tr := MustCatalogue(lang)
		keys := []string{app.ReportServiceKey(app.ServiceLunch)}
		for _, c := range app.ReportColumns {
			keys = append(keys, c.ScreenKey, c.CSVKey)
		}
		keys = append(keys, app.ReportCSVRowKeys...)
		for _, k := range keys {
			if _, ok := tr.texts[k]; !ok {
				t.Errorf("%s: no text for %s", lang, k)
			}
		}
	}
}
