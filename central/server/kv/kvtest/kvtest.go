// Package kvtest is the conformance suite of the kv interface: every
// implementation runs the same tests (Run), so the server's rules, written
// once against kv, hold on each. It also holds the workloads of the kv
// benchmarks (BenchUpdate, BenchScan), so that each implementation is
// measured on the same work.
package kvtest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"mensakiosk/central/server/kv"
)

// Run runs the conformance suite; open gives each subtest a new, empty
// store (closed by the subtest's cleanup, which open registers).
func Run(t *testing.T, open func(t *testing.T) kv.DB) {
	for _, c := range []struct {
		name string
		fn   func(*testing.T, kv.DB)
	}{
		{"GetPutDelete", testGetPutDelete},
		{"EmptyAndNilValuesAreEmptyValues", testEmptyValue},
		{"MisuseErrors", testMisuseErrors},
		{"NestedBuckets", testNestedBuckets},
		{"DeleteBucketIsRecursive", testDeleteBucketRecursive},
		{"BytewiseOrder", testBytewiseOrder},
		{"CursorAcrossManyKeys", testCursorManyKeys},
		{"CursorDeleteWhileIterating", testCursorDelete},
		{"KeyN", testKeyN},
		{"ReadYourWrites", testReadYourWrites},
		{"ForEachStopsOnError", testForEachError},
		{"PrefetchChangesNoResult", testPrefetch},
		{"PrefetchPathsChangesNoResult", testPrefetchPaths},
		{"SlicesValidForTheTransaction", testSlicesValid},
		{"UpdateRollsBackOnError", testRollback},
		{"ViewIsReadOnly", testViewReadOnly},
		{"ViewIsASnapshot", testSnapshot},
		{"ConcurrentCounter", testConcurrentCounter},
		{"ConcurrentTransfers", testConcurrentTransfers},
		{"NoWriteSkew", testNoWriteSkew},
	} {
		t.Run(c.name, func(t *testing.T) { c.fn(t, open(t)) })
	}
}

func update(t *testing.T, db kv.DB, fn func(kv.Tx) error) {
	t.Helper()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

func view(t *testing.T, db kv.DB, fn func(kv.Tx) error) {
	t.Helper()
	if err := db.View(fn); err != nil {
		t.Fatal(err)
	}
}

// check joins the errors of several calls (nil when all are nil).
func check(errs ...error) error { return errors.Join(errs...) }

var (
	bucketA = []byte("a")
	errBoom = errors.New("kvtest: boom")
)

func testGetPutDelete(t *testing.T, db kv.DB) {
	update(t, db, func(tx kv.Tx) error {
		b, err := tx.CreateBucket(bucketA)
		if err != nil {
			return err
		}
		if got := b.Get([]byte("k")); got != nil {
			return fmt.Errorf("kvtest: Get of an absent key = %q, want nil", got)
		}
		if err := check(b.Put([]byte("k"), []byte("v1")), b.Put([]byte("k2"), []byte("x"))); err != nil {
			return err
		}
		if got := b.Get([]byte("k")); string(got) != "v1" {
			return fmt.Errorf("kvtest: Get after Put = %q, want v1", got)
		}
		if err := b.Put([]byte("k"), []byte("v2")); err != nil {
			return err
		}
		if got := b.Get([]byte("k")); string(got) != "v2" {
			return fmt.Errorf("kvtest: Get after overwrite = %q, want v2", got)
		}
		return check(b.Delete([]byte("absent")), b.Put([]byte("gone"), []byte("soon")))
	})
	update(t, db, func(tx kv.Tx) error {
		b := tx.Bucket(bucketA)
		if b == nil {
			return errors.New("bucket a not found after commit")
		}
		if got := b.Get([]byte("gone")); string(got) != "soon" {
			return fmt.Errorf("committed value = %q", got)
		}
		if err := b.Delete([]byte("gone")); err != nil {
			return err
		}
		if got := b.Get([]byte("gone")); got != nil {
			return fmt.Errorf("kvtest: Get after Delete = %q, want nil", got)
		}
		return nil
	})
	view(t, db, func(tx kv.Tx) error {
		b := tx.Bucket(bucketA)
		if got := b.Get([]byte("k")); string(got) != "v2" {
			return fmt.Errorf("k = %q, want v2", got)
		}
		if got := b.Get([]byte("gone")); got != nil {
			return fmt.Errorf("deleted key = %q", got)
		}
		if got := b.Get([]byte("k2")); string(got) != "x" {
			return fmt.Errorf("k2 = %q", got)
		}
		return nil
	})
}

func testEmptyValue(t *testing.T, db kv.DB) {
	update(t, db, func(tx kv.Tx) error {
		b, err := tx.CreateBucket(bucketA)
		if err != nil {
			return err
		}
		// A nil value is stored as an empty one (a set member).
		if err := check(b.Put([]byte("empty"), []byte{}), b.Put([]byte("nil"), nil)); err != nil {
			return err
		}
		for _, k := range []string{"empty", "nil"} {
			if got := b.Get([]byte(k)); got == nil || len(got) != 0 {
				return fmt.Errorf("%s value in its transaction = %#v, want a non-nil empty slice", k, got)
			}
		}
		return nil
	})
	view(t, db, func(tx kv.Tx) error {
		b := tx.Bucket(bucketA)
		for _, k := range []string{"empty", "nil"} {
			if got := b.Get([]byte(k)); got == nil || len(got) != 0 {
				return fmt.Errorf("committed %s value = %#v, want a non-nil empty slice", k, got)
			}
		}
		k, v := b.Cursor().First()
		if string(k) != "empty" || v == nil || len(v) != 0 {
			return fmt.Errorf("cursor on an empty value = %q, %#v", k, v)
		}
		n := 0
		if err := b.ForEach(func(k, v []byte) error {
			n++
			if v == nil {
				return fmt.Errorf("ForEach: empty value of %q came as nil (a bucket)", k)
			}
			return nil
		}); err != nil {
			return err
		}
		if n != 2 {
			return fmt.Errorf("ForEach saw %d keys, want 2", n)
		}
		return nil
	})
}

func wantErr(what string, got, want error) error {
	if !errors.Is(got, want) {
		return fmt.Errorf("%s: error %v, want %v", what, got, want)
	}
	return nil
}

func testMisuseErrors(t *testing.T, db kv.DB) {
	update(t, db, func(tx kv.Tx) error {
		b, err := tx.CreateBucket(bucketA)
		if err != nil {
			return err
		}
		if err := b.Put([]byte("v"), []byte("1")); err != nil {
			return err
		}
		if _, err := b.CreateBucket([]byte("nested")); err != nil {
			return err
		}
		_, errExists := tx.CreateBucket(bucketA)
		_, errNestedExists := b.CreateBucket([]byte("nested"))
		_, errOnValue := b.CreateBucket([]byte("v"))
		_, errIfNotOnValue := b.CreateBucketIfNotExists([]byte("v"))
		_, errEmptyTop := tx.CreateBucket(nil)
		_, errEmptyNested := b.CreateBucket([]byte{})
		return check(
			wantErr("CreateBucket of an existing top-level bucket", errExists, kv.ErrBucketExists),
			wantErr("CreateBucket of an existing nested bucket", errNestedExists, kv.ErrBucketExists),
			wantErr("CreateBucket on a value", errOnValue, kv.ErrIncompatibleValue),
			wantErr("CreateBucketIfNotExists on a value", errIfNotOnValue, kv.ErrIncompatibleValue),
			wantErr("CreateBucket with no name", errEmptyTop, kv.ErrKeyRequired),
			wantErr("nested CreateBucket with no name", errEmptyNested, kv.ErrKeyRequired),
			wantErr("Put on a nested bucket", b.Put([]byte("nested"), []byte("x")), kv.ErrIncompatibleValue),
			wantErr("Delete of a nested bucket", b.Delete([]byte("nested")), kv.ErrIncompatibleValue),
			wantErr("Put with no key", b.Put(nil, []byte("x")), kv.ErrKeyRequired),
			wantErr("DeleteBucket of a missing top-level bucket", tx.DeleteBucket([]byte("missing")), kv.ErrBucketNotFound),
			wantErr("DeleteBucket of a missing nested bucket", b.DeleteBucket([]byte("missing")), kv.ErrBucketNotFound),
			wantErr("DeleteBucket of a value", b.DeleteBucket([]byte("v")), kv.ErrIncompatibleValue),
		)
	})
	view(t, db, func(tx kv.Tx) error {
		b := tx.Bucket(bucketA)
		if b.Bucket([]byte("nested")) == nil {
			return errors.New("the nested bucket was lost by a refused Put/Delete")
		}
		if got := b.Get([]byte("v")); string(got) != "1" {
			return fmt.Errorf("the value was changed by a refused CreateBucket: %q", got)
		}
		if b.Bucket([]byte("v")) != nil {
			return errors.New("kvtest: Bucket on a value key is not nil")
		}
		return nil
	})
}

func testNestedBuckets(t *testing.T, db kv.DB) {
	update(t, db, func(tx kv.Tx) error {
		if tx.Bucket(bucketA) != nil {
			return errors.New("kvtest: Bucket of a missing bucket is not nil")
		}
		a, err := tx.CreateBucketIfNotExists(bucketA)
		if err != nil {
			return err
		}
		again, err := tx.CreateBucketIfNotExists(bucketA)
		if err != nil || again == nil {
			return fmt.Errorf("CreateBucketIfNotExists of an existing bucket: %v, %v", again, err)
		}
		if err := check(a.Put([]byte("1"), []byte("one")), a.Put([]byte("3"), []byte("three"))); err != nil {
			return err
		}
		n, err := a.CreateBucket([]byte("2"))
		if err != nil {
			return err
		}
		if err := n.Put([]byte("inner"), []byte("x")); err != nil {
			return err
		}
		// The same name at the top level and under another bucket is
		// another bucket.
		top2, err := tx.CreateBucket([]byte("2"))
		if err != nil {
			return err
		}
		return top2.Put([]byte("inner"), []byte("top"))
	})
	view(t, db, func(tx kv.Tx) error {
		a := tx.Bucket(bucketA)
		if a.Get([]byte("2")) != nil {
			return errors.New("kvtest: Get of a nested bucket's key is not nil")
		}
		var got []string
		if err := a.ForEach(func(k, v []byte) error {
			got = append(got, fmt.Sprintf("%s=%v", k, v == nil))
			return nil
		}); err != nil {
			return err
		}
		if want := "[1=false 2=true 3=false]"; fmt.Sprint(got) != want {
			return fmt.Errorf("ForEach = %v, want %s (a nested bucket with a nil value)", got, want)
		}
		c := a.Cursor()
		c.First()
		if k, v := c.Next(); string(k) != "2" || v != nil {
			return fmt.Errorf("cursor on the nested bucket = %q, %q; want 2, nil", k, v)
		}
		if got := a.Bucket([]byte("2")).Get([]byte("inner")); string(got) != "x" {
			return fmt.Errorf("a/2/inner = %q", got)
		}
		if got := tx.Bucket([]byte("2")).Get([]byte("inner")); string(got) != "top" {
			return fmt.Errorf("2/inner = %q", got)
		}
		var top []string
		for _, name := range []string{"a", "2", "1", "inner"} {
			if tx.Bucket([]byte(name)) != nil {
				top = append(top, name)
			}
		}
		if fmt.Sprint(top) != "[a 2]" {
			return fmt.Errorf("top-level buckets = %v, want [a 2]", top)
		}
		return nil
	})
}

func testDeleteBucketRecursive(t *testing.T, db kv.DB) {
	// Names that share a prefix with the deleted one, or its encoding,
	// must survive.
	siblings := []string{"x\x00", "xy", "x\xff", "w", "y"}
	update(t, db, func(tx kv.Tx) error {
		x, err := tx.CreateBucket([]byte("x"))
		if err != nil {
			return err
		}
		cur := x
		for depth := 0; depth < 4; depth++ {
			if err := cur.Put([]byte("k"), []byte(strconv.Itoa(depth))); err != nil {
				return err
			}
			if cur, err = cur.CreateBucket([]byte("sub")); err != nil {
				return err
			}
		}
		for _, s := range siblings {
			b, err := tx.CreateBucket([]byte(s))
			if err != nil {
				return err
			}
			if err := b.Put([]byte("k"), []byte(s)); err != nil {
				return err
			}
			sub, err := b.CreateBucket([]byte("sub"))
			if err != nil {
				return err
			}
			if err := sub.Put([]byte("k"), []byte(s)); err != nil {
				return err
			}
		}
		// A nested delete: x/sub/sub goes, x/sub stays.
		return x.Bucket([]byte("sub")).DeleteBucket([]byte("sub"))
	})
	view(t, db, func(tx kv.Tx) error {
		s := tx.Bucket([]byte("x")).Bucket([]byte("sub"))
		if s.Bucket([]byte("sub")) != nil || s.KeyN() != 1 {
			return fmt.Errorf("x/sub after deleting x/sub/sub: sub=%v keys=%d", s.Bucket([]byte("sub")) != nil, s.KeyN())
		}
		return nil
	})
	update(t, db, func(tx kv.Tx) error { return tx.DeleteBucket([]byte("x")) })
	update(t, db, func(tx kv.Tx) error {
		if tx.Bucket([]byte("x")) != nil {
			return errors.New("x is still there")
		}
		x, err := tx.CreateBucket([]byte("x"))
		if err != nil {
			return err
		}
		if x.KeyN() != 0 || x.Get([]byte("k")) != nil || x.Bucket([]byte("sub")) != nil {
			return errors.New("a bucket made again under a deleted one's name has its old contents")
		}
		// Everything that was under it is gone: made again, sub is empty.
		sub, err := x.CreateBucket([]byte("sub"))
		if err != nil {
			return err
		}
		if sub.KeyN() != 0 {
			return fmt.Errorf("x/sub made again has %d keys", sub.KeyN())
		}
		for _, s := range siblings {
			b := tx.Bucket([]byte(s))
			if b == nil || string(b.Get([]byte("k"))) != s || string(b.Bucket([]byte("sub")).Get([]byte("k"))) != s {
				return fmt.Errorf("sibling %q was touched by deleting x", s)
			}
		}
		return nil
	})
	// Deleted and made again in one transaction.
	update(t, db, func(tx kv.Tx) error {
		b := tx.Bucket([]byte("w"))
		if err := b.Put([]byte("later"), []byte("1")); err != nil {
			return err
		}
		if err := tx.DeleteBucket([]byte("w")); err != nil {
			return err
		}
		if tx.Bucket([]byte("w")) != nil {
			return errors.New("w still there in the deleting transaction")
		}
		nb, err := tx.CreateBucket([]byte("w"))
		if err != nil {
			return err
		}
		return nb.Put([]byte("new"), []byte("1"))
	})
	view(t, db, func(tx kv.Tx) error {
		b := tx.Bucket([]byte("w"))
		if b.KeyN() != 1 || b.Get([]byte("new")) == nil || b.Get([]byte("later")) != nil || b.Bucket([]byte("sub")) != nil {
			return fmt.Errorf("w deleted and made again in one transaction: %d keys", b.KeyN())
		}
		return nil
	})
}

// orderKeys are keys whose bytewise order a text collation would get
// wrong: 0x00 and 0xff bytes, prefixes, high bytes that are not UTF-8.
var orderKeys = [][]byte{
	{0x00}, {0x00, 0x00}, {0x00, 0x01}, {0x01}, {0x7f}, {0x80}, {0xc3, 0xa9}, {0xfe},
	{0xff}, {0xff, 0x00}, {0xff, 0xff}, {0xff, 0xff, 0xff},
	[]byte("A"), []byte("B"), []byte("a"), []byte("a\x00"), []byte("a\x00\x00"), []byte("a\x01"),
	[]byte("a\xff"), []byte("aa"), []byte("ab"), []byte("b"), []byte("Z"), []byte("è"), []byte(" "),
	[]byte("10"), []byte("9"), []byte("099"),
}

func testBytewiseOrder(t *testing.T, db kv.DB) {
	sorted := make([][]byte, len(orderKeys))
	copy(sorted, orderKeys)
	sort.Slice(sorted, func(i, j int) bool { return bytes.Compare(sorted[i], sorted[j]) < 0 })
	shuffled := make([][]byte, len(orderKeys))
	copy(shuffled, orderKeys)
	rand.New(rand.NewSource(1)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	update(t, db, func(tx kv.Tx) error {
		b, err := tx.CreateBucket(bucketA)
		if err != nil {
			return err
		}
		for _, k := range shuffled {
			if err := b.Put(k, append([]byte("v"), k...)); err != nil {
				return err
			}
		}
		return nil
	})
	view(t, db, func(tx kv.Tx) error {
		b := tx.Bucket(bucketA)
		var fe [][]byte
		if err := b.ForEach(func(k, v []byte) error {
			if !bytes.Equal(v, append([]byte("v"), k...)) {
				return fmt.Errorf("ForEach: %x = %x", k, v)
			}
			fe = append(fe, k)
			return nil
		}); err != nil {
			return err
		}
		if err := sameKeys("ForEach", fe, sorted); err != nil {
			return err
		}
		c := b.Cursor()
		var fwd, back [][]byte
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			fwd = append(fwd, k)
		}
		for k, _ := c.Last(); k != nil; k, _ = c.Prev() {
			back = append([][]byte{k}, back...)
		}
		if err := check(sameKeys("First/Next", fwd, sorted), sameKeys("Last/Prev", back, sorted)); err != nil {
			return err
		}
		for i, k := range sorted {
			if got, v := c.Seek(k); !bytes.Equal(got, k) || !bytes.Equal(v, append([]byte("v"), k...)) {
				return fmt.Errorf("Seek(%x) = %x, %x", k, got, v)
			}
			// Just past k (k + 0x00 is the least key greater than k).
			want := []byte(nil)
			if i+1 < len(sorted) {
				want = sorted[i+1]
			}
			if got, _ := c.Seek(append(append([]byte(nil), k...), 0)); !bytes.Equal(got, want) {
				return fmt.Errorf("Seek(%x 00) = %x, want %x", k, got, want)
			}
		}
		// Seek then Prev: the last key before a bound.
		for i := 1; i < len(sorted); i++ {
			c.Seek(sorted[i])
			if got, _ := c.Prev(); !bytes.Equal(got, sorted[i-1]) {
				return fmt.Errorf("kvtest: Seek(%x) then Prev = %x, want %x", sorted[i], got, sorted[i-1])
			}
		}
		if k, v := c.Seek([]byte{0xff, 0xff, 0xff, 0xff}); k != nil || v != nil {
			return fmt.Errorf("kvtest: Seek past the end = %x, %x", k, v)
		}
		if k, _ := c.Prev(); !bytes.Equal(k, sorted[len(sorted)-1]) {
			return fmt.Errorf("kvtest: Prev after a Seek past the end = %x, want the last key", k)
		}
		if k, _ := c.Seek(nil); !bytes.Equal(k, sorted[0]) {
			return fmt.Errorf("Seek(nil) = %x, want the first key", k)
		}
		// Past either end the cursor answers nil, nil.
		c.Last()
		if k, v := c.Next(); k != nil || v != nil {
			return fmt.Errorf("kvtest: Next past the end = %x, %x", k, v)
		}
		c.First()
		if k, v := c.Prev(); k != nil || v != nil {
			return fmt.Errorf("kvtest: Prev before the start = %x, %x", k, v)
		}
		return nil
	})
}

func sameKeys(what string, got, want [][]byte) error {
	if len(got) != len(want) {
		return fmt.Errorf("%s: %d keys, want %d: %x", what, len(got), len(want), got)
	}
	for i := range got {
		if !bytes.Equal(got[i], want[i]) {
			return fmt.Errorf("%s: key %d = %x, want %x (all: %x)", what, i, got[i], want[i], got)
		}
	}
	return nil
}

// ManyKeys is more keys than a batching cursor fetches at once.
const ManyKeys = 1500

func key(i int) []byte { return binary.BigEndian.AppendUint32(nil, uint32(i)) }

func fill(t *testing.T, db kv.DB, n int) {
	t.Helper()
	update(t, db, func(tx kv.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketA)
		if err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			if err := b.Put(key(i), []byte(strconv.Itoa(i))); err != nil {
				return err
			}
		}
		return nil
	})
}

func testCursorManyKeys(t *testing.T, db kv.DB) {
	fill(t, db, ManyKeys)
	view(t, db, func(tx kv.Tx) error {
		c := tx.Bucket(bucketA).Cursor()
		i := 0
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if !bytes.Equal(k, key(i)) || string(v) != strconv.Itoa(i) {
				return fmt.Errorf("forward %d: %x=%q", i, k, v)
			}
			i++
		}
		if i != ManyKeys {
			return fmt.Errorf("forward walk: %d keys, want %d", i, ManyKeys)
		}
		i = ManyKeys - 1
		for k, _ := c.Last(); k != nil; k, _ = c.Prev() {
			if !bytes.Equal(k, key(i)) {
				return fmt.Errorf("backward %d: %x", i, k)
			}
			i--
		}
		if i != -1 {
			return fmt.Errorf("backward walk stopped at %d", i)
		}
		// A random walk, back and forth, across the batches.
		rng := rand.New(rand.NewSource(2))
		pos := 700
		k, _ := c.Seek(key(pos))
		for step := 0; step < 3000; step++ {
			if !bytes.Equal(k, key(pos)) {
				return fmt.Errorf("random walk step %d: at %x, want %d", step, k, pos)
			}
			if rng.Intn(2) == 0 && pos+1 < ManyKeys {
				k, _ = c.Next()
				pos++
			} else if pos > 0 {
				k, _ = c.Prev()
				pos--
			} else {
				k, _ = c.Next()
				pos++
			}
		}
		// Past the end and back.
		c.Last()
		if k, _ := c.Next(); k != nil {
			return fmt.Errorf("kvtest: Next past the end = %x", k)
		}
		if k, _ := c.Seek(key(ManyKeys - 2)); !bytes.Equal(k, key(ManyKeys-2)) {
			return fmt.Errorf("kvtest: Seek after the end = %x", k)
		}
		if k, _ := c.Prev(); !bytes.Equal(k, key(ManyKeys-3)) {
			return fmt.Errorf("kvtest: Prev after Seek = %x", k)
		}
		return nil
	})
}

func testCursorDelete(t *testing.T, db kv.DB) {
	fill(t, db, ManyKeys)
	update(t, db, func(tx kv.Tx) error {
		b := tx.Bucket(bucketA)
		if _, err := b.CreateBucket([]byte{0xff, 0xff, 0xff, 0xff, 0}); err != nil {
			return err
		}
		return nil
	})
	// Every odd key goes, the walk sees every key once.
	update(t, db, func(tx kv.Tx) error {
		c := tx.Bucket(bucketA).Cursor()
		i := 0
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if v == nil { // the nested bucket, last
				if err := c.Delete(); !errors.Is(err, kv.ErrIncompatibleValue) {
					return fmt.Errorf("cursor Delete on a nested bucket: %v, want ErrIncompatibleValue", err)
				}
				continue
			}
			if !bytes.Equal(k, key(i)) {
				return fmt.Errorf("walk with deletes: at %x, want key %d", k, i)
			}
			if i%2 == 1 {
				if err := c.Delete(); err != nil {
					return err
				}
			}
			i++
		}
		if i != ManyKeys {
			return fmt.Errorf("walk with deletes saw %d keys, want %d", i, ManyKeys)
		}
		return nil
	})
	view(t, db, func(tx kv.Tx) error {
		b := tx.Bucket(bucketA)
		if n := b.KeyN(); n != ManyKeys/2+1 {
			return fmt.Errorf("after deleting the odd keys: %d keys, want %d", n, ManyKeys/2+1)
		}
		i := 0
		return b.ForEach(func(k, v []byte) error {
			if v != nil && !bytes.Equal(k, key(2*i)) {
				return fmt.Errorf("left: %x, want key %d", k, 2*i)
			}
			i++
			return nil
		})
	})
	// Every key goes.
	update(t, db, func(tx kv.Tx) error {
		b := tx.Bucket(bucketA)
		if err := b.DeleteBucket([]byte{0xff, 0xff, 0xff, 0xff, 0}); err != nil {
			return err
		}
		c := b.Cursor()
		n := 0
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if err := c.Delete(); err != nil {
				return err
			}
			n++
		}
		if n != ManyKeys/2 {
			return fmt.Errorf("deleting all: walked %d, want %d", n, ManyKeys/2)
		}
		if k, _ := c.First(); k != nil {
			return fmt.Errorf("after deleting all, First = %x", k)
		}
		return nil
	})
	view(t, db, func(tx kv.Tx) error {
		if n := tx.Bucket(bucketA).KeyN(); n != 0 {
			return fmt.Errorf("after deleting all: %d keys", n)
		}
		return nil
	})
}

func testKeyN(t *testing.T, db kv.DB) {
	update(t, db, func(tx kv.Tx) error {
		b, err := tx.CreateBucket(bucketA)
		if err != nil {
			return err
		}
		if n := b.KeyN(); n != 0 {
			return fmt.Errorf("new bucket: KeyN %d", n)
		}
		for i := 0; i < 10; i++ {
			if err := b.Put(key(i), []byte("x")); err != nil {
				return err
			}
		}
		if _, err := b.CreateBucket([]byte("nested")); err != nil {
			return err
		}
		return nil
	})
	view(t, db, func(tx kv.Tx) error {
		if n := tx.Bucket(bucketA).KeyN(); n != 11 {
			return fmt.Errorf("KeyN = %d, want 11 (10 values and a nested bucket)", n)
		}
		return nil
	})
}

func testReadYourWrites(t *testing.T, db kv.DB) {
	fill(t, db, 20)
	update(t, db, func(tx kv.Tx) error {
		b := tx.Bucket(bucketA)
		if err := check(b.Put(key(5), []byte("new5")), b.Delete(key(6)), b.Put(key(100), []byte("new100"))); err != nil {
			return err
		}
		if n := b.KeyN(); n != 20 {
			return fmt.Errorf("KeyN after one put and one delete = %d, want 20", n)
		}
		var got []string
		c := b.Cursor()
		for k, v := c.Seek(key(4)); k != nil && len(got) < 3; k, v = c.Next() {
			got = append(got, string(v))
		}
		if fmt.Sprint(got) != "[4 new5 7]" {
			return fmt.Errorf("cursor over this transaction's writes = %v, want [4 new5 7]", got)
		}
		if k, v := c.Last(); !bytes.Equal(k, key(100)) || string(v) != "new100" {
			return fmt.Errorf("kvtest: Last = %x %q, want the key put in this transaction", k, v)
		}
		// Writes to two buckets; each one's cursor and KeyN see its own.
		other, err := tx.CreateBucketIfNotExists([]byte("other"))
		if err != nil {
			return err
		}
		if err := check(other.Put([]byte("o1"), []byte("1")), b.Put(key(101), []byte("new101")), other.Put([]byte("o2"), []byte("2"))); err != nil {
			return err
		}
		if k, _ := other.Cursor().Last(); string(k) != "o2" || other.KeyN() != 2 {
			return fmt.Errorf("kvtest: the other bucket's Last = %q, KeyN %d; want o2, 2", k, other.KeyN())
		}
		if k, v := b.Cursor().Last(); !bytes.Equal(k, key(101)) || string(v) != "new101" {
			return fmt.Errorf("kvtest: Last after writes to two buckets = %x %q", k, v)
		}
		// A cursor placed past the end, then a write past it: Last finds it.
		c2 := b.Cursor()
		if k, _ := c2.Seek(key(102)); k != nil {
			return fmt.Errorf("kvtest: Seek past the end = %x", k)
		}
		if err := b.Put(key(103), []byte("new103")); err != nil {
			return err
		}
		if k, _ := c2.Last(); !bytes.Equal(k, key(103)) {
			return fmt.Errorf("kvtest: Last after a Put past the end = %x, want the key put", k)
		}
		if err := check(b.Delete(key(101)), b.Delete(key(103)), other.Delete([]byte("o2"))); err != nil {
			return err
		}
		if k, _ := b.Cursor().Last(); !bytes.Equal(k, key(100)) {
			return fmt.Errorf("kvtest: Last after deleting the last key = %x", k)
		}
		nb, err := b.CreateBucket([]byte("made"))
		if err != nil {
			return err
		}
		if err := nb.Put([]byte("k"), []byte("v")); err != nil {
			return err
		}
		if got := b.Bucket([]byte("made")).Get([]byte("k")); string(got) != "v" {
			return fmt.Errorf("a bucket made in this transaction: %q", got)
		}
		top, err := tx.CreateBucket([]byte("top"))
		if err != nil {
			return err
		}
		if err := top.Put([]byte("k"), []byte("t")); err != nil {
			return err
		}
		if tx.Bucket([]byte("top")) == nil || string(tx.Bucket([]byte("top")).Get([]byte("k"))) != "t" {
			return errors.New("a top-level bucket made in this transaction is not seen")
		}
		return nil
	})
	view(t, db, func(tx kv.Tx) error {
		b := tx.Bucket(bucketA)
		if n := tx.Bucket([]byte("other")).KeyN(); n != 1 {
			return fmt.Errorf("kvtest: the other bucket has %d keys, want 1", n)
		}
		if string(b.Get(key(5))) != "new5" || b.Get(key(6)) != nil || string(b.Get(key(100))) != "new100" || b.Get(key(101)) != nil ||
			string(b.Bucket([]byte("made")).Get([]byte("k"))) != "v" || string(tx.Bucket([]byte("top")).Get([]byte("k"))) != "t" {
			return errors.New("the writes were not committed")
		}
		return nil
	})
}

func testForEachError(t *testing.T, db kv.DB) {
	fill(t, db, 10)
	view(t, db, func(tx kv.Tx) error {
		n := 0
		err := tx.Bucket(bucketA).ForEach(func(k, v []byte) error {
			n++
			if n == 3 {
				return errBoom
			}
			return nil
		})
		if !errors.Is(err, errBoom) || n != 3 {
			return fmt.Errorf("ForEach: %v after %d calls, want errBoom after 3", err, n)
		}
		return nil
	})
}

func testSlicesValid(t *testing.T, db kv.DB) {
	fill(t, db, ManyKeys)
	view(t, db, func(tx kv.Tx) error {
		b := tx.Bucket(bucketA)
		var ks, vs [][]byte
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			ks, vs = append(ks, k), append(vs, v)
		}
		for i := 0; i < ManyKeys; i++ {
			vs = append(vs, b.Get(key(i)))
		}
		for i := range ks {
			if !bytes.Equal(ks[i], key(i)) || string(vs[i]) != strconv.Itoa(i) || string(vs[ManyKeys+i]) != strconv.Itoa(i) {
				return fmt.Errorf("slice %d changed within the transaction: %x=%q / %q", i, ks[i], vs[i], vs[ManyKeys+i])
			}
		}
		return nil
	})
}

func testRollback(t *testing.T, db kv.DB) {
	fill(t, db, 10)
	err := db.Update(func(tx kv.Tx) error {
		b := tx.Bucket(bucketA)
		if err := check(b.Put(key(1), []byte("changed")), b.Put(key(50), []byte("added")), b.Delete(key(2))); err != nil {
			return err
		}
		if _, err := tx.CreateBucket([]byte("new")); err != nil {
			return err
		}
		if _, err := b.CreateBucket([]byte("nested")); err != nil {
			return err
		}
		if b.KeyN() != 11 { // flushes the writes, in an implementation that buffers
			return errors.New("KeyN in the rolled-back transaction")
		}
		if err := tx.DeleteBucket(bucketA); err != nil {
			return err
		}
		return fmt.Errorf("wrapped: %w", errBoom)
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("Update returned %v, want fn's error", err)
	}
	view(t, db, func(tx kv.Tx) error {
		b := tx.Bucket(bucketA)
		if b == nil || tx.Bucket([]byte("new")) != nil || b.Bucket([]byte("nested")) != nil {
			return errors.New("a failed Update's bucket changes were kept")
		}
		if string(b.Get(key(1))) != "1" || b.Get(key(50)) != nil || string(b.Get(key(2))) != "2" || b.KeyN() != 10 {
			return errors.New("a failed Update's writes were kept")
		}
		return nil
	})
}

func testViewReadOnly(t *testing.T, db kv.DB) {
	fill(t, db, 3)
	update(t, db, func(tx kv.Tx) error {
		if !tx.Writable() {
			return errors.New("an Update's transaction is not Writable")
		}
		_, err := tx.Bucket(bucketA).CreateBucket([]byte("nested"))
		return err
	})
	view(t, db, func(tx kv.Tx) error {
		if tx.Writable() {
			return errors.New("a View's transaction is Writable")
		}
		b := tx.Bucket(bucketA)
		_, errC := tx.CreateBucket([]byte("x"))
		_, errCI := tx.CreateBucketIfNotExists([]byte("x"))
		_, errN := b.CreateBucket([]byte("x"))
		c := b.Cursor()
		c.First()
		return check(
			wantErr("Put in a View", b.Put([]byte("k"), []byte("v")), kv.ErrTxNotWritable),
			wantErr("Delete in a View", b.Delete(key(1)), kv.ErrTxNotWritable),
			wantErr("CreateBucket in a View", errC, kv.ErrTxNotWritable),
			wantErr("CreateBucketIfNotExists in a View", errCI, kv.ErrTxNotWritable),
			wantErr("nested CreateBucket in a View", errN, kv.ErrTxNotWritable),
			wantErr("DeleteBucket in a View", tx.DeleteBucket(bucketA), kv.ErrTxNotWritable),
			wantErr("nested DeleteBucket in a View", b.DeleteBucket([]byte("nested")), kv.ErrTxNotWritable),
			wantErr("cursor Delete in a View", c.Delete(), kv.ErrTxNotWritable),
		)
	})
	view(t, db, func(tx kv.Tx) error {
		if tx.Bucket(bucketA).KeyN() != 4 || tx.Bucket([]byte("x")) != nil {
			return errors.New("a View changed the store")
		}
		return nil
	})
}

func testSnapshot(t *testing.T, db kv.DB) {
	fill(t, db, 3)
	started, committed := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- db.View(func(tx kv.Tx) error {
			b := tx.Bucket(bucketA)
			if string(b.Get(key(0))) != "0" {
				return errors.New("before: wrong value")
			}
			close(started)
			<-committed
			if got := b.Get(key(0)); string(got) != "0" {
				return fmt.Errorf("a View saw an Update committed after it began: %q", got)
			}
			if got := b.Get(key(9)); got != nil {
				return fmt.Errorf("a View saw a key put after it began: %q", got)
			}
			if got := b.Get(key(1)); string(got) != "1" {
				return fmt.Errorf("a View lost a key deleted after it began: %q", got)
			}
			if n := b.KeyN(); n != 3 {
				return fmt.Errorf("KeyN in the snapshot = %d, want 3", n)
			}
			if tx.Bucket([]byte("later")) != nil {
				return errors.New("a View saw a bucket made after it began")
			}
			return nil
		})
	}()
	select {
	case <-started:
	case err := <-done:
		t.Fatal(err)
	}
	update(t, db, func(tx kv.Tx) error {
		b := tx.Bucket(bucketA)
		if _, err := tx.CreateBucket([]byte("later")); err != nil {
			return err
		}
		return check(b.Put(key(0), []byte("changed")), b.Put(key(9), []byte("9")), b.Delete(key(1)))
	})
	close(committed)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	view(t, db, func(tx kv.Tx) error {
		if got := tx.Bucket(bucketA).Get(key(0)); string(got) != "changed" {
			return fmt.Errorf("a View begun after the commit: %q", got)
		}
		return nil
	})
}

// Goroutines and increments of the concurrency tests.
const (
	Workers    = 8
	Increments = 25
)

func getInt(b kv.Bucket, k string) int {
	n, _ := strconv.Atoi(string(b.Get([]byte(k))))
	return n
}

func putInt(b kv.Bucket, k string, n int) error { return b.Put([]byte(k), []byte(strconv.Itoa(n))) }

func runWorkers(t *testing.T, fn func(w int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, Workers)
	for w := 0; w < Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(w); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// CountTo runs Workers goroutines, each making Increments Updates that add
// one to the counter "n" of bucket "a" by a read and a write. Exported for
// the tests of several stores on one database.
func CountTo(t *testing.T, dbs ...kv.DB) int {
	t.Helper()
	update(t, dbs[0], func(tx kv.Tx) error { _, err := tx.CreateBucketIfNotExists(bucketA); return err })
	runWorkers(t, func(w int) error {
		db := dbs[w%len(dbs)]
		for i := 0; i < Increments; i++ {
			if err := db.Update(func(tx kv.Tx) error {
				b := tx.Bucket(bucketA)
				return putInt(b, "n", getInt(b, "n")+1)
			}); err != nil {
				return err
			}
		}
		return nil
	})
	var n int
	view(t, dbs[0], func(tx kv.Tx) error { n = getInt(tx.Bucket(bucketA), "n"); return nil })
	return n
}

func testConcurrentCounter(t *testing.T, db kv.DB) {
	if n := CountTo(t, db); n != Workers*Increments {
		t.Fatalf("counter = %d after %d concurrent increments: an increment was lost", n, Workers*Increments)
	}
}

// Moves between two keys: their sum never changes, in any snapshot.
func testConcurrentTransfers(t *testing.T, db kv.DB) {
	const total = 1000
	update(t, db, func(tx kv.Tx) error {
		b, err := tx.CreateBucket(bucketA)
		if err != nil {
			return err
		}
		return check(putInt(b, "x", total), putInt(b, "y", 0))
	})
	stop := make(chan struct{})
	readerErr := make(chan error, 1)
	go func() {
		for {
			select {
			case <-stop:
				readerErr <- nil
				return
			default:
			}
			if err := db.View(func(tx kv.Tx) error {
				b := tx.Bucket(bucketA)
				if s := getInt(b, "x") + getInt(b, "y"); s != total {
					return fmt.Errorf("a View saw x+y = %d, want %d", s, total)
				}
				return nil
			}); err != nil {
				readerErr <- err
				return
			}
		}
	}()
	runWorkers(t, func(w int) error {
		for i := 0; i < Increments; i++ {
			if err := db.Update(func(tx kv.Tx) error {
				b := tx.Bucket(bucketA)
				from, to := "x", "y"
				if w%2 == 1 {
					from, to = to, from
				}
				amount := w + 1
				return check(putInt(b, from, getInt(b, from)-amount), putInt(b, to, getInt(b, to)+amount), putInt(b, "moves", getInt(b, "moves")+1))
			}); err != nil {
				return err
			}
		}
		return nil
	})
	close(stop)
	if err := <-readerErr; err != nil {
		t.Fatal(err)
	}
	view(t, db, func(tx kv.Tx) error {
		b := tx.Bucket(bucketA)
		x, y, moves := getInt(b, "x"), getInt(b, "y"), getInt(b, "moves")
		want := 0 // odd workers move back what even ones move
		for w := 0; w < Workers; w++ {
			if w%2 == 0 {
				want += (w + 1) * Increments
			} else {
				want -= (w + 1) * Increments
			}
		}
		if x+y != total || y != want || moves != Workers*Increments {
			return fmt.Errorf("after the transfers x=%d y=%d moves=%d; want x+y=%d, y=%d, moves=%d", x, y, moves, total, want, Workers*Increments)
		}
		return nil
	})
}

// Write skew, which snapshot isolation allows and serializability does
// not: two doctors on call, each goes off call if the other is still on.
// The two Updates meet after their reads (a store that runs Updates one at
// a time makes the second wait, and the meeting times out); afterwards
// exactly one doctor must be on call.
func testNoWriteSkew(t *testing.T, db kv.DB) {
	for round := 0; round < 4; round++ {
		update(t, db, func(tx kv.Tx) error {
			b, err := tx.CreateBucketIfNotExists(bucketA)
			if err != nil {
				return err
			}
			return check(putInt(b, "alice", 1), putInt(b, "bob", 1))
		})
		var arrived sync.WaitGroup
		arrived.Add(2)
		met := make(chan struct{})
		go func() { arrived.Wait(); close(met) }()
		var wg sync.WaitGroup
		for _, who := range []string{"alice", "bob"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				first := true
				if err := db.Update(func(tx kv.Tx) error {
					b := tx.Bucket(bucketA)
					onCall := getInt(b, "alice") + getInt(b, "bob")
					if first {
						first = false
						arrived.Done()
						select {
						case <-met:
						case <-time.After(100 * time.Millisecond):
						}
					}
					if onCall == 2 {
						return putInt(b, who, 0)
					}
					return nil
				}); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		view(t, db, func(tx kv.Tx) error {
			b := tx.Bucket(bucketA)
			if n := getInt(b, "alice") + getInt(b, "bob"); n != 1 {
				return fmt.Errorf("round %d: %d doctors on call, want 1 (write skew: the Updates were not serializable)", round, n)
			}
			return nil
		})
	}
}

func testPrefetch(t *testing.T, db kv.DB) {
	fill(t, db, 10)
	update(t, db, func(tx kv.Tx) error {
		b := tx.Bucket(bucketA)
		if _, err := b.CreateBucket([]byte("nested")); err != nil {
			return err
		}
		return b.Put([]byte("empty"), nil)
	})
	expect := func(b kv.Bucket, want map[string]string) error {
		for k, w := range want {
			got := b.Get([]byte(k))
			switch {
			case w == "<nil>" && got != nil, w != "<nil>" && (got == nil || string(got) != w):
				return fmt.Errorf("kvtest: after Prefetch, Get(%q) = %q, want %s", k, got, w)
			}
		}
		return nil
	}
	update(t, db, func(tx kv.Tx) error {
		b := tx.Bucket(bucketA)
		// Written before the prefetch: the writes win over the store.
		if err := check(b.Put(key(1), []byte("written")), b.Delete(key(2))); err != nil {
			return err
		}
		kv.Prefetch(b, key(1), key(2), key(3), key(3), key(99), []byte("nested"), []byte("empty"), nil)
		if err := expect(b, map[string]string{string(key(1)): "written", string(key(2)): "<nil>", string(key(3)): "3",
			string(key(99)): "<nil>", "nested": "<nil>", "empty": ""}); err != nil {
			return err
		}
		if b.Bucket([]byte("nested")) == nil {
			return errors.New("kvtest: after Prefetch, the nested bucket is not found")
		}
		if err := b.Put([]byte("nested"), []byte("x")); !errors.Is(err, kv.ErrIncompatibleValue) {
			return fmt.Errorf("kvtest: after Prefetch, Put on the nested bucket: %v", err)
		}
		// Written after: seen.
		if err := check(b.Put(key(3), []byte("later")), b.Put(key(99), []byte("new"))); err != nil {
			return err
		}
		return expect(b, map[string]string{string(key(3)): "later", string(key(99)): "new"})
	})
	view(t, db, func(tx kv.Tx) error {
		b := tx.Bucket(bucketA)
		kv.Prefetch(b, key(1), key(2), key(3), key(4))
		return expect(b, map[string]string{string(key(1)): "written", string(key(2)): "<nil>", string(key(3)): "later", string(key(4)): "4"})
	})
}
