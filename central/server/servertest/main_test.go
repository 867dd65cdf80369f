package servertest_test

import (
	"testing"

	"mensakiosk/internal/pgtest"
)

// The tests run on bbolt, or on PostgreSQL (servertest.StoreEnv).
func TestMain(m *testing.M) { pgtest.Main(m) }
