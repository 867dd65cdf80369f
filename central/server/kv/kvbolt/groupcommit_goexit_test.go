package kvbolt

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"mensakiosk/central/server/kv"
)

// An fn that ends its goroutine (runtime.Goexit: a test's t.FailNow)
// ends its caller's, as alone; the committer goes on answering the others
// of its group and the Updates after it, and Close does not wait forever.
func TestGroupCommitGoexitEndsOnlyItsCaller(t *testing.T) {
	d := openTestDB(t)
	release, errs := holdCommitter(t, d, 3, func(i int) error {
		if i == 1 {
			return d.Update(func(tx kv.Tx) error {
				put("goexit")(tx)
				runtime.Goexit()
				return nil
			})
		}
		return d.Update(put(fmt.Sprint(i)))
	})
	released := make(chan struct{})
	go func() { release(); close(released) }()
	select {
	case <-released:
	case <-time.After(30 * time.Second):
		t.Fatal("the group with an fn that ended its goroutine was not answered in 30 s")
	}
	if errs[0] != nil || errs[2] != nil {
		t.Fatalf("errors %v, want the others' nil", errs)
	}
	if err := d.Update(put("after")); err != nil {
		t.Fatal(err)
	}
	if err := d.View(func(tx kv.Tx) error {
		var keys []string
		tx.Bucket([]byte("b")).ForEach(func(k, _ []byte) error { keys = append(keys, string(k)); return nil })
		if fmt.Sprint(keys) != "[0 2 after]" {
			return fmt.Errorf("keys %v, want [0 2 after]", keys)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	closed := make(chan error, 1)
	go func() { closed <- d.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Close did not return in 30 s")
	}
}
