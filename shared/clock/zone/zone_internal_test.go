package zone

import (
	"archive/zip"
	"errors"
	"io"
	"io/fs"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// noZoneinfo is the lookup of a machine with no zoneinfo installed (the
// zone database neither on disk nor linked).
func noZoneinfo(name string) (*time.Location, error) {
	return nil, errors.New("unknown time zone " + name)
}

func TestLoadWithoutZoneinfoUsesTheCarriedZones(t *testing.T) {
	winter := time.Date(2026, time.January, 15, 12, 0, 0, 0, time.UTC)
	summer := time.Date(2026, time.July, 15, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name         string
		winterAbbr   string
		winterOffset int // hours east of UTC
		summerAbbr   string
		summerOffset int
	}{
		{"America/Adak", "HST", -10, "HDT", -9},
		{"America/Anchorage", "AKST", -9, "AKDT", -8},
		{"America/Chicago", "CST", -6, "CDT", -5},
		{"America/Denver", "MST", -7, "MDT", -6},
		{"America/Los_Angeles", "PST", -8, "PDT", -7},
		{"America/New_York", "EST", -5, "EDT", -4},
		{"America/Phoenix", "MST", -7, "MST", -7},
		{"America/Puerto_Rico", "AST", -4, "AST", -4},
		{"Pacific/Honolulu", "HST", -10, "HST", -10},
	}
	var names []string
	for _, tt := range tests {
		names = append(names, tt.name)
		t.Run(tt.name, func(t *testing.T) {
			loc, err := load(tt.name, noZoneinfo)
			require.NoError(t, err)
			assert.Equal(t, tt.name, loc.String())
			abbr, off := winter.In(loc).Zone()
			assert.Equal(t, tt.winterAbbr, abbr)
			assert.Equal(t, tt.winterOffset*3600, off)
			abbr, off = summer.In(loc).Zone()
			assert.Equal(t, tt.summerAbbr, abbr)
			assert.Equal(t, tt.summerOffset*3600, off)
		})
	}
	assert.Equal(t, names, Embedded(), "every carried zone is checked")
}

func TestLoadPrefersTheMachinesZoneinfo(t *testing.T) {
	machine := time.FixedZone("America/New_York", -4*3600)
	got, err := load("America/New_York", func(string) (*time.Location, error) { return machine, nil })
	require.NoError(t, err)
	assert.Same(t, machine, got)
}

func TestLoadUnknownZoneNamesTheCarriedOnes(t *testing.T) {
	for _, name := range []string{"Europe/Berlin", "Mars/Olympus_Mons"} {
		t.Run(name, func(t *testing.T) {
			_, err := load(name, noZoneinfo)
			require.ErrorIs(t, err, ErrUnknown)
			assert.Contains(t, err.Error(), `"`+name+`"`)
			for _, carried := range []string{"America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "Pacific/Honolulu"} {
				assert.Contains(t, err.Error(), carried)
			}
		})
	}
}

func TestLoadOnThisMachine(t *testing.T) {
	loc, err := Load("America/Los_Angeles")
	require.NoError(t, err)
	assert.Equal(t, "America/Los_Angeles", loc.String())
	_, err = Load("Mars/Olympus_Mons")
	assert.ErrorIs(t, err, ErrUnknown)
}

// TestEmbeddedZonesAreGoROOTs keeps zones.go equal to the zoneinfo.zip of
// the Go building it (the data time/tzdata would link); after a Go
// upgrade, go generate ./shared/clock/zone rewrites it.
func TestEmbeddedZonesAreGoROOTs(t *testing.T) {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	require.NoError(t, err, "go env GOROOT")
	zr, err := zip.OpenReader(filepath.Join(strings.TrimSpace(string(out)), "lib", "time", "zoneinfo.zip"))
	require.NoError(t, err)
	defer zr.Close()
	names := Embedded()
	require.NotEmpty(t, names)
	assert.IsNonDecreasing(t, names)
	for _, name := range names {
		f, err := zr.Open(name)
		if errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s is carried but not in GOROOT's zoneinfo.zip", name)
			continue
		}
		require.NoError(t, err)
		want, err := io.ReadAll(f)
		f.Close()
		require.NoError(t, err)
		got, _ := embedded(name)
		assert.True(t, got == string(want), "%s differs from GOROOT's zoneinfo.zip: run go generate ./shared/clock/zone", name)
	}
}
