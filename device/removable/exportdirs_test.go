package removable

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestExportDirsConfiguredFirstThenWritableMedia: the configured directory
// comes first and once; a missing one or a file is not offered; a writable
// medium is offered by its mount point, a read-only one or one whose mount
// point is gone is not.
func TestExportDirsConfiguredFirstThenWritableMedia(t *testing.T) {
	conf, stick, locked := t.TempDir(), t.TempDir(), t.TempDir()
	file := filepath.Join(conf, "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	media := []Medium{
		{MountPoint: stick, Device: "sdb1", USB: true},
		{MountPoint: locked, Device: "sdc1", USB: true, ReadOnly: true},
		{MountPoint: filepath.Join(stick, "gone"), Device: "sdd1", Removable: true},
		{MountPoint: conf, Device: "sde1", USB: true},
	}
	got := ExportDirs(media, conf, filepath.Join(conf, "missing"), file, conf, "")
	if want := []string{conf, stick}; !reflect.DeepEqual(got, want) {
		t.Fatalf("export dirs %q, want %q", got, want)
	}
	if got := ExportDirs(nil); got != nil {
		t.Fatalf("nothing configured, no media: %q", got)
	}
}
