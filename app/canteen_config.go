package app

import (
	"errors"
	"fmt"
	"time"
)

// BalancePolicy says what happens when a meal takes the balance below zero.
type BalancePolicy string

const (
	// PolicyServeAndFlag serves the meal and flags it for staff: children are
	// not refused food by default.
	PolicyServeAndFlag BalancePolicy = "serve"
	// PolicyHardFloor refuses the meal when the projected balance after the
	// charge would fall below the configured floor.
	PolicyHardFloor BalancePolicy = "floor"
)

// CanteenConfig is the canteen role's configuration.
type CanteenConfig struct {
	KioskID  string
	Location *time.Location
	Service  Service
	Window   ServiceWindow
	// Debounce: the same badge seen again within this window is ignored.
	Debounce time.Duration
	// LowBalance: below it after a charge, the screen reminds to top up.
	LowBalance Cents
	Policy     BalancePolicy
	// Floor is the lowest projected balance allowed under PolicyHardFloor
	// (e.g. 0, or -500 for a five-euro overdraft).
	Floor Cents
}

// Validate checks the configuration and fills defaults where zero.
func (c *CanteenConfig) Validate() error {
	if c.KioskID == "" {
		return errors.New("canteen: kiosk id is empty")
	}
	if c.Location == nil {
		return errors.New("canteen: time zone is missing")
	}
	if c.Service == "" {
		c.Service = ServiceLunch
	}
	if c.Window.Start >= c.Window.End {
		return fmt.Errorf("canteen: service window %s–%s is empty", c.Window.Start, c.Window.End)
	}
	if c.Debounce < 0 || c.Debounce > time.Minute {
		return fmt.Errorf("canteen: debounce %s out of range 0–1m", c.Debounce)
	}
	switch c.Policy {
	case "":
		c.Policy = PolicyServeAndFlag
	case PolicyServeAndFlag, PolicyHardFloor:
	default:
		return fmt.Errorf("canteen: balance policy %q: want %q or %q", c.Policy, PolicyServeAndFlag, PolicyHardFloor)
	}
	return nil
}
