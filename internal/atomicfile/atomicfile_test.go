package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

// TestWriteFileReplacesWhole: a new file and a replaced one hold exactly
// what was written, with the permissions asked, and no temporary file is
// left beside them; a write that cannot finish leaves the old file as it
// was.
func TestWriteFileReplacesWhole(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "settings.json")
	for _, content := range []string{"first, a longer content\n", "second\n"} {
		if err := WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != content {
			t.Fatalf("read %q, %v; want %q", got, err, content)
		}
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("mode %v, %v; want 0600", fi.Mode(), err)
		}
	}
	if es, err := os.ReadDir(dir); err != nil || len(es) != 1 {
		t.Fatalf("the directory holds %v, %v; want the file alone", es, err)
	}
	// A directory where the file should be: the rename fails, and the
	// temporary file is gone.
	blocked := filepath.Join(dir, "blocked")
	if err := os.Mkdir(blocked, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(blocked, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(blocked, []byte("no"), 0o644); err == nil {
		t.Fatal("replacing a non-empty directory succeeded")
	}
	if es, _ := os.ReadDir(dir); len(es) != 2 {
		t.Fatalf("a failed write left %v", es)
	}
	if got, _ := os.ReadFile(path); string(got) != "second\n" {
		t.Fatalf("a failed write of another file changed this one: %q", got)
	}
	if err := WriteFile(filepath.Join(dir, "missing", "f"), []byte("x"), 0o644); err == nil {
		t.Fatal("writing into a missing directory succeeded")
	}
}
