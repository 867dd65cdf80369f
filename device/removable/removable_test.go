package removable

import (
	"bufio"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fakeRoot builds a machine's root from testdata/<name>: its mount table
// (mountinfo, as /proc/self/mountinfo) and its block devices (sysfs.txt:
// "major:minor path-under-/sys/devices removable-flag", made into sysfs'
// symlinks and files), in a temp dir.
func fakeRoot(t *testing.T, name string) string {
	t.Helper()
	root := t.TempDir()
	mi, err := os.ReadFile(filepath.Join("testdata", name, "mountinfo"))
	if err != nil {
		t.Fatal(err)
	}
	write := func(p, text string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(root, "proc/self/mountinfo"), string(mi))
	f, err := os.Open(filepath.Join("testdata", name, "sysfs.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) == 0 || strings.HasPrefix(fs[0], "#") {
			continue
		}
		majMin, dev, removable := fs[0], fs[1], fs[2]
		devDir := filepath.Join(root, "sys/devices", dev)
		disk := devDir
		// A partition is named after its disk plus a number.
		if parent := filepath.Base(filepath.Dir(devDir)); parent != "block" && strings.HasPrefix(filepath.Base(devDir), parent) {
			write(filepath.Join(devDir, "partition"), "1\n")
			disk = filepath.Dir(devDir)
		}
		write(filepath.Join(disk, "removable"), removable+"\n")
		if err := os.MkdirAll(filepath.Join(root, "sys/dev/block"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join("../../devices", dev), filepath.Join(root, "sys/dev/block", majMin)); err != nil {
			t.Fatal(err)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return root
}

func mountPoints(ms []Medium) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.MountPoint)
	}
	return out
}

// TestFindOffersOnlyRemovableMedia: of a machine's mounts, only the USB
// stick (which calls itself not removable), the SD card in a reader slot
// and the write-protected stick are media; not the internal disk under
// /mnt, a tmpfs or a network share under /mnt, the boot partition, nor the
// stick's second mount.
func TestFindOffersOnlyRemovableMedia(t *testing.T) {
	ms, err := Find(fakeRoot(t, "machine"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Medium{
		{MountPoint: "/media/kiosk/CHIAVETTA USB", Device: "sdb1", Source: "/dev/sdb1", FSType: "vfat", USB: true},
		{MountPoint: "/run/media/kiosk/SCHEDA", Device: "mmcblk1", Source: "/dev/mmcblk1", FSType: "exfat", Removable: true},
		{MountPoint: "/media/kiosk/PROTETTA", Device: "sdd1", Source: "/dev/sdd1", FSType: "vfat", ReadOnly: true, USB: true, Removable: true},
	}
	if !reflect.DeepEqual(ms, want) {
		t.Errorf("media:\n got %+v\nwant %+v", ms, want)
	}
}

// TestFindSkipsTheBootDisk: a kiosk that boots from a USB disk does not
// offer that disk's other partition, only the stick.
func TestFindSkipsTheBootDisk(t *testing.T) {
	ms, err := Find(fakeRoot(t, "usbboot"))
	if err != nil {
		t.Fatal(err)
	}
	if got := mountPoints(ms); !reflect.DeepEqual(got, []string{"/media/pi/STICK"}) {
		t.Errorf("media %q, want only the stick", got)
	}
}

func TestFindErrors(t *testing.T) {
	if _, err := Find(t.TempDir()); err == nil {
		t.Error("no mount table: no error")
	}
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "proc/self"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "proc/self/mountinfo"), []byte("garbage line\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Find(root); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("a malformed mount table: %v", err)
	}
}

// TestFindOnThisMachine: the real /proc and /sys parse (whatever is
// mounted here).
func TestFindOnThisMachine(t *testing.T) {
	if _, err := os.Stat("/proc/self/mountinfo"); err != nil {
		t.Skip("no /proc/self/mountinfo")
	}
	ms, err := Find("/")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.MountPoint == "/" || (!m.USB && !m.Removable) {
			t.Errorf("not a removable medium: %+v", m)
		}
	}
}

func TestUnescape(t *testing.T) {
	for in, want := range map[string]string{`a\040b`: "a b", `tab\011`: "tab\t", `back\134slash`: `back\slash`, `short\04`: `short\04`, `x\999`: `x\999`} {
		if got := unescape(in); got != want {
			t.Errorf("unescape(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParseMountinfo(f *testing.F) {
	raw, err := os.ReadFile("testdata/machine/mountinfo")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(raw))
	f.Fuzz(func(t *testing.T, s string) {
		ms, err := parseMountinfo(strings.NewReader(s))
		if err == nil && len(ms) > strings.Count(s, "\n")+1 {
			t.Fatalf("%d mounts from %d lines", len(ms), strings.Count(s, "\n")+1)
		}
	})
}
