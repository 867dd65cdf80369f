package mensakiosk

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// The version comes from FyneApp.toml as committed, not from a copy.
func TestVersionIsFyneAppToml(t *testing.T) {
	b, err := os.ReadFile("FyneApp.toml")
	if err != nil {
		t.Fatal(err)
	}
	m, err := parseFyneApp(b)
	if err != nil {
		t.Fatal(err)
	}
	if Version() != m.Version || Build() != m.Build || App().ID != m.ID {
		t.Fatalf("Version %q build %d id %q; FyneApp.toml says %+v", Version(), Build(), App().ID, m)
	}
	// Debian and the health answer need a plain dotted version.
	if !regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(m.Version) {
		t.Errorf("version %q is not N.N.N", m.Version)
	}
	if m.Build < 1 {
		t.Errorf("build %d", m.Build)
	}
	if _, err := os.Stat(m.Icon); err != nil {
		t.Errorf("icon: %v", err)
	}
	if !strings.Contains(string(b), "fyneDo = true") {
		t.Error("FyneApp.toml lacks [Migrations] fyneDo = true")
	}
}

func TestParseFyneAppRejectsMissingVersion(t *testing.T) {
	for name, src := range map[string]string{
		"no version": "[Details]\nID = \"a.b.c\"\n",
		"no id":      "[Details]\nVersion = \"1.0.0\"\n",
		"not toml":   "[Details\n",
	} {
		if _, err := parseFyneApp([]byte(src)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestStringNamesVersionAndCommit(t *testing.T) {
	old := commit
	t.Cleanup(func() { commit = old })
	commit = "abc1234"
	if got, want := String("central"), "central "+Version()+" (build "; !strings.HasPrefix(got, want) || !strings.HasSuffix(got, "commit abc1234)") {
		t.Errorf("String = %q", got)
	}
}
