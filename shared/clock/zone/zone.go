// Package zone finds the time zone a business time zone name stands for:
// in this machine's zoneinfo first, as time.LoadLocation does, then among
// the few zones this package carries (zones.go), so a function runs where
// no zoneinfo is installed without linking the whole zone database
// (time/tzdata, 0.4 MiB) into every binary.
//
// The carried zones are the United States' (Embedded); zones.go is
// generated from Go's own $GOROOT/lib/time/zoneinfo.zip by infra/zonegen (go
// generate), and a test keeps it equal to the Go it is built with.
package zone

//go:generate go run ../../../infra/zonegen -out zones.go

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrUnknown is returned by Load for a name it finds neither in this
// machine's zoneinfo nor among the carried zones.
var ErrUnknown = errors.New("unknown time zone")

// Load returns the location named name, an IANA name such as
// America/New_York: from this machine's zoneinfo (time.LoadLocation), or,
// where that has no such zone, from the zones this package carries. "" and
// "UTC" are UTC and "Local" the machine's own zone, as in
// time.LoadLocation.
func Load(name string) (*time.Location, error) {
	return load(name, time.LoadLocation)
}

// load is Load with the machine's lookup passed in.
func load(name string, system func(string) (*time.Location, error)) (*time.Location, error) {
	loc, sysErr := system(name)
	if sysErr == nil {
		return loc, nil
	}
	if data, ok := embedded(name); ok {
		return time.LoadLocationFromTZData(name, []byte(data))
	}
	return nil, fmt.Errorf("%w %q: not in this machine's zoneinfo, and the zones carried without it are %s",
		ErrUnknown, name, strings.Join(Embedded(), ", "))
}

// Embedded is the names of the zones this package carries, sorted.
func Embedded() []string {
	names := make([]string, len(zones))
	for i, z := range zones {
		names[i] = z.name
	}
	return names
}

// embedded is the TZif data of a carried zone.
func embedded(name string) (string, bool) {
	for _, z := range zones {
		if z.name == name {
			return z.data, true
		}
	}
	return "", false
}
