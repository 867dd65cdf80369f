//go:build !linux

package device

import "errors"

// ListPorts is only implemented on Linux.
func ListPorts() ([]PortInfo, error) { return nil, errors.ErrUnsupported }
