// Package removable finds the removable media mounted on the machine (USB
// sticks, card readers), where staff can take the day's report away. It
// reads the kernel's mount table and sysfs: a folder is offered only when a
// removable or USB block device is mounted on it, never because it lies
// under /mnt or /media.
package removable

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Medium is a mounted removable medium.
type Medium struct {
	// MountPoint is where it is mounted (as the kernel names it, not under
	// the root passed to Find).
	MountPoint string
	// Device is the block device's name ("sdb1"); Source the mount's
	// source ("/dev/sdb1").
	Device, Source string
	// FSType is the filesystem ("vfat", "exfat").
	FSType string
	// ReadOnly: mounted read-only, so no report can be written there.
	ReadOnly bool
	// USB: the device hangs off a USB bus; Removable: the kernel flags its
	// disk removable (a card reader's slot, many sticks).
	USB, Removable bool
}

// Find lists the removable media mounted, in the mount table's order, one
// entry per device (the first mount of a device that is mounted twice).
// root is "/" on a real machine; a test passes a tree holding
// proc/self/mountinfo and sys/dev/block. A device on the disk that holds
// the root filesystem is never a removable medium (a kiosk booting from a
// USB disk), nor is a mount point under a system directory.
func Find(root string) ([]Medium, error) {
	f, err := os.Open(filepath.Join(root, "proc/self/mountinfo"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	mounts, err := parseMountinfo(f)
	if err != nil {
		return nil, err
	}
	rootDisk := ""
	for _, m := range mounts {
		if m.point == "/" {
			if d, ok := blockDevice(root, m.majMin); ok {
				rootDisk = d.disk
			}
		}
	}
	var out []Medium
	seen := map[string]bool{}
	for _, m := range mounts {
		if seen[m.majMin] || systemPath(m.point) {
			continue
		}
		d, ok := blockDevice(root, m.majMin)
		if !ok || (!d.usb && !d.removable) || d.disk == rootDisk {
			continue
		}
		seen[m.majMin] = true
		out = append(out, Medium{MountPoint: m.point, Device: d.name, Source: m.source, FSType: m.fstype,
			ReadOnly: m.readOnly, USB: d.usb, Removable: d.removable})
	}
	return out, nil
}

// systemPath: the root, and the directories of the system itself, are no
// place for a report even on a removable disk.
func systemPath(p string) bool {
	if p == "/" {
		return true
	}
	for _, sys := range []string{"/boot", "/usr", "/var", "/etc", "/opt", "/srv", "/home", "/root", "/snap", "/proc", "/sys", "/dev", "/tmp", "/bin", "/sbin", "/lib"} {
		if p == sys || strings.HasPrefix(p, sys+"/") {
			return true
		}
	}
	return false
}

type mount struct {
	majMin, point, fstype, source string
	readOnly                      bool
}

// maxMountinfo bounds what is read of the mount table.
const maxMountinfo = 4 << 20

// parseMountinfo reads /proc/self/mountinfo (proc(5)): "36 35 98:0
// /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue".
func parseMountinfo(r io.Reader) ([]mount, error) {
	var out []mount
	sc := bufio.NewScanner(io.LimitReader(r, maxMountinfo))
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	for n := 1; sc.Scan(); n++ {
		fields := strings.Fields(sc.Text())
		sep := slices.Index(fields, "-")
		if len(fields) < 6 || sep < 6 || len(fields) < sep+3 {
			return nil, fmt.Errorf("mountinfo line %d: malformed %q", n, sc.Text())
		}
		opts := strings.Split(fields[5], ",")
		out = append(out, mount{majMin: fields[2], point: unescape(fields[4]), fstype: fields[sep+1],
			source: unescape(fields[sep+2]), readOnly: slices.Contains(opts, "ro")})
	}
	return out, sc.Err()
}

// unescape decodes the octal escapes of a mountinfo field ("\040" is a
// space).
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b bytes.Buffer
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

type blockDev struct {
	name, disk     string
	usb, removable bool
}

// blockDevice looks the device major:minor up in sysfs: its name, its
// whole disk (a partition's parent), whether it is on a USB bus and whether
// its disk is flagged removable. ok is false for what is not a block device
// (tmpfs, proc, network filesystems).
func blockDevice(root, majMin string) (blockDev, bool) {
	if majMin == "" || strings.ContainsAny(majMin, "/.") {
		return blockDev{}, false
	}
	sysRoot, err := filepath.EvalSymlinks(filepath.Join(root, "sys"))
	if err != nil {
		return blockDev{}, false
	}
	p, err := filepath.EvalSymlinks(filepath.Join(root, "sys/dev/block", majMin))
	if err != nil {
		return blockDev{}, false
	}
	rel, err := filepath.Rel(sysRoot, p)
	if err != nil || strings.HasPrefix(rel, "..") {
		return blockDev{}, false
	}
	d := blockDev{name: filepath.Base(p), disk: p}
	if _, err := os.Stat(filepath.Join(p, "partition")); err == nil {
		d.disk = filepath.Dir(p)
	} else if !errors.Is(err, os.ErrNotExist) {
		return blockDev{}, false
	}
	if raw, err := os.ReadFile(filepath.Join(d.disk, "removable")); err == nil {
		d.removable = strings.TrimSpace(string(raw)) == "1"
	}
	for _, part := range strings.Split(filepath.ToSlash(rel), "/") {
		if strings.HasPrefix(part, "usb") {
			d.usb = true
		}
	}
	return d, true
}
