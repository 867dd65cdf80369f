package removable

import "os"

// ExportDirs lists where staff can write the day's report, in the order
// the screen offers them: each of first that is an existing directory (the
// configured export directory), then the mount point of each writable
// medium of media (Find's). A directory is listed once.
func ExportDirs(media []Medium, first ...string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(d string) {
		if d == "" || seen[d] {
			return
		}
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			seen[d] = true
			out = append(out, d)
		}
	}
	for _, d := range first {
		add(d)
	}
	for _, m := range media {
		if !m.ReadOnly {
			add(m.MountPoint)
		}
	}
	return out
}
